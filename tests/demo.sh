#!/bin/sh
# make demo: the outage drill on local stand-ins of the cloud.
echo "make demo: the outage drill is coming (see issue: the outage drill)." >&2
echo "make demo: for now, 'make test' runs every program against the stand-ins." >&2
