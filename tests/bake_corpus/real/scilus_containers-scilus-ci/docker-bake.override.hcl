# scilus-versioning.hcl

base-gpu-install-image="nvidia/cuda:12.6.3-runtime-ubuntu24.04"
base-cpu-install-image="ubuntu:noble-20250805"

base-build-image="ubuntu:noble-20250805"

actions-runner-version="2.319.1"

dmriqcpy-revision="0.1.7"
scilpy-revision="2.2.1"

ants-revision="v2.6.2"
ants-affine-syn-revision="1.1"
cmake-revision="v3.21.6"
fsl-version="6.0.7.18.scilus.lean"
fsl-installer-version="3.14.0"
mrtrix-revision="3.0.7"
mesa-version="23.1.0"
vtk-version="9.3.1"
python-version="3.12"
uv-version="0.8.17"
miniconda-version="24.3.0-0"
gpu=true

java-version="11"
nextflow-version="21.04.3"

tractoflow-version = "2.4.4"
dmriqc-flow-version = "0.2.0"
extractor-flow-version = "dev2023"
rbx-flow-version = "1.2.0"
tractometry-flow-version = "1.1.0"
register-flow-version = "0.1.0"
disconets-flow-version = "0.1.0-rc1"
freewater-flow-version = "1.0.1"
noddi-flow-version = "1.0.0"
bst-flow-version = "1.0.0"
