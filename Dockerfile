# One image for every m365lab service; docker-compose.yml runs it three times.
# BASE: any image with Python 3.11+ and its venv module (default: the official slim image).
# PIP_INSTALL_ARGS: extra pip options, e.g. "--no-index --find-links /src/wheelhouse" to
# install from wheels placed in ./wheelhouse beside this file (what CI does: no network needed).
ARG BASE=python:3.11-slim
FROM ${BASE}
ARG PIP_INSTALL_ARGS=""
COPY . /src
RUN python3 -m venv /opt/m365lab \
 && /opt/m365lab/bin/pip install --no-cache-dir ${PIP_INSTALL_ARGS} /src \
 && rm -rf /src
ENV PATH=/opt/m365lab/bin:$PATH \
    M365LAB_CA_DIR=/ca \
    M365LAB_BIND=0.0.0.0
EXPOSE 8443 8444 8445 8446 8447 8448
ENTRYPOINT ["m365lab"]
CMD ["up", "--state-dir", "/state"]
