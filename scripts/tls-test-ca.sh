#!/usr/bin/env bash
# A test CA and certificates for `colony node` and `colony trial --cluster` with TLS.
#
#   scripts/tls-test-ca.sh DIR [HOST...]
#
# writes into DIR (created, mode 700):
#   ca.pem ca.key          the CA (keep ca.key away from the nodes: it signs new members)
#   node.pem node.key      one certificate for every node, valid for 127.0.0.1, ::1, localhost
#                          and each HOST given (an IP address or a DNS name: what drivers dial)
#   driver.pem driver.key  a driver's client certificate, for nodes started with --tls-ca
# Keys are EC P-256 and readable by their owner only; certificates last 30 days. For tests and
# trying TLS out on one machine: a real deployment issues each machine its own certificate.
set -euo pipefail

if [[ $# -lt 1 || "$1" == -* ]]; then
    echo "usage: $0 DIR [HOST...]   (e.g. $0 certs 10.0.0.2 node1.example)" >&2
    exit 2
fi
dir=$1
shift
command -v openssl >/dev/null || { echo "$0: openssl is needed (apt-get install openssl)" >&2; exit 2; }
if [[ -e "$dir/ca.key" ]]; then
    echo "$0: $dir/ca.key exists; not overwriting a CA (remove $dir first)" >&2
    exit 2
fi
umask 077
mkdir -p "$dir"
days=30

sans="IP:127.0.0.1,IP:::1,DNS:localhost"
for host in "$@"; do
    if [[ "$host" =~ ^[0-9.]+$ || "$host" == *:* ]]; then
        sans+=",IP:$host"
    else
        sans+=",DNS:$host"
    fi
done

key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

# The CA: self-signed, allowed to sign certificates and nothing else.
key "$dir/ca.key"
openssl req -x509 -new -key "$dir/ca.key" -days "$days" -subj "/CN=Colony test CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -out "$dir/ca.pem"

# sign NAME CN EXTENSIONS: NAME.key, and NAME.pem signed by the CA.
sign() {
    local name=$1 cn=$2 ext=$3
    key "$dir/$name.key"
    openssl req -new -key "$dir/$name.key" -subj "/CN=$cn" -out "$dir/$name.csr"
    openssl x509 -req -in "$dir/$name.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial \
        -days "$days" -extfile <(printf '%s\n' "$ext") -out "$dir/$name.pem" 2>/dev/null
    rm -f "$dir/$name.csr"
}

# Nodes serve TLS; clientAuth too, so the same certificate can drive a trial.
sign node "colony node" "basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth,clientAuth
subjectAltName=$sans"
sign driver "colony driver" "basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth"
rm -f "$dir/ca.srl"
chmod 644 "$dir"/*.pem

echo "wrote $dir: ca.pem, node.pem/node.key (for $sans), driver.pem/driver.key"
