#!/bin/sh
# with-ca.sh COMMAND...: run COMMAND trusting the CA bundle passed as the build secret `ca_bundle` when
# there is one (builds behind a TLS-inspecting proxy: --secret id=ca_bundle,src=/etc/ssl/certs/ca-certificates.crt),
# else the build image's own certificates. The bundle is mounted for the step only, never stored in a layer.
set -eu
if [ -s /run/secrets/ca_bundle ]; then
    export PIP_CERT=/run/secrets/ca_bundle SSL_CERT_FILE=/run/secrets/ca_bundle REQUESTS_CA_BUNDLE=/run/secrets/ca_bundle
fi
exec "$@"
