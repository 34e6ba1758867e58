#!/bin/sh
# Runs in the notebook container after it starts: fetch the workshop
# material and pin the Python packages it needs.
set -eu
cd /home/ma-user/work
if [ ! -d gpu-workshop ]; then
  git clone --depth 1 https://git.example.org/workshops/gpu-workshop.git
fi
pip install --quiet --user -r gpu-workshop/requirements.txt
