#!/bin/sh
# Redraws the diagrams shown in docs/diagrams.md and README.md.
# Run from the project root with netdsl installed and Graphviz's dot on the PATH.
set -e
netdsl compile examples/mobilenet_v2.net --collapse-blocks 1 \
    --expand stage2/ir1 --expand stage3/ir2 -o docs/images/mobilenet_v2.png
netdsl compile examples/resnet50.net --collapse-blocks -o docs/images/resnet50.png
netdsl compile examples/resnet50.net --collapse-blocks --expand stage2/bottleneck1 \
    --color-by memory -o docs/images/resnet50_memory.png
