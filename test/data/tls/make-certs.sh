#!/bin/sh
# Regenerates the TEST-ONLY TLS material in this directory (see README.md). Never trust ca.pem
# outside the tests: its key is thrown away, but the server keys are public.
set -eu
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
days=36500
ecparam="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"

# The CA (its key is discarded: regenerate everything to add a certificate).
openssl req -x509 $ecparam -keyout "$tmp/ca.key" -out ca.pem -days $days \
  -subj "/CN=streampulse test CA (test only)" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"

# leaf NAME SAN: a server certificate signed by the CA.
leaf() {
  openssl req $ecparam -keyout "$1.key" -out "$tmp/$1.csr" -subj "/CN=$1 (test only)"
  printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n%s\n%s\n' \
    "extendedKeyUsage=serverAuth" "subjectAltName=$2" >"$tmp/$1.ext"
  openssl x509 -req -in "$tmp/$1.csr" -CA ca.pem -CAkey "$tmp/ca.key" -CAcreateserial \
    -CAserial "$tmp/ca.srl" -days $days -extfile "$tmp/$1.ext" -out "$1.pem"
}
leaf server "DNS:localhost,IP:127.0.0.1"  # what the tests connect to
leaf other "DNS:other.invalid"            # valid chain, wrong name: hostname checks must fail
