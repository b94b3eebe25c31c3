#!/bin/sh
# extract-example.sh: print the first ```c block of a Markdown file, so the
# README's C example is compiled and run by make test exactly as written.
awk '
	/^```c[[:space:]]*$/ { if (!done) { inside = 1; next } }
	/^```[[:space:]]*$/ { if (inside) { inside = 0; done = 1; next } }
	inside { print }
' "$1"
