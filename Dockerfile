# One image for every m365lab service; docker-compose.yml runs it three times.
FROM python:3.11-slim
WORKDIR /opt/m365lab
COPY pyproject.toml README.md ./
COPY simulators ./simulators
COPY harness ./harness
RUN pip install --no-cache-dir .
ENV M365LAB_CA_DIR=/ca \
    M365LAB_BIND=0.0.0.0
EXPOSE 8443 8444 8445 8446 8447 8448
ENTRYPOINT ["m365lab"]
CMD ["up", "--state-dir", "/state"]
