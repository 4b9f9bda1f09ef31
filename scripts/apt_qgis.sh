#!/usr/bin/env bash
# Installs QGIS 3.40 LTR from Debian 12's bookworm-backports (pinned to the 3.40 series) plus the
# other Debian packages the project needs. Idempotent: does nothing when all are installed.
# ROUTES_QGIS_SERIES=3.22 installs bookworm's own QGIS instead (the oldest version the metadata admits).
set -euo pipefail
series=${ROUTES_QGIS_SERIES:-3.40}
sudo=; [ "$(id -u)" = 0 ] || sudo=sudo
debs=("$@")
have_qgis=$(dpkg-query -W -f='${Version}' qgis 2>/dev/null || true)
missing=()
for p in "${debs[@]}"; do
  dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
case "$have_qgis" in "$series".*|*:"$series".*) qgis_ok=1 ;; *) qgis_ok=0 ;; esac
[ ${#missing[@]} = 0 ] && [ $qgis_ok = 1 ] && exit 0
if [ "$series" != 3.22 ]; then
  src=/etc/apt/sources.list.d/bookworm-backports.sources
  if ! grep -rqs "bookworm-backports" /etc/apt/sources.list /etc/apt/sources.list.d/; then
    printf 'Types: deb\nURIs: http://deb.debian.org/debian\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
      | $sudo tee "$src" >/dev/null
  fi
  printf 'Package: qgis qgis-common qgis-providers qgis-providers-common python3-qgis python3-qgis-common libqgis-* qgis-plugin-grass* qgis-provider-grass*\nPin: version %s.*\nPin-Priority: 1001\n' "$series" \
    | $sudo tee /etc/apt/preferences.d/trafficking-routes-qgis >/dev/null
  target=(-t bookworm-backports)
else
  $sudo rm -f /etc/apt/preferences.d/trafficking-routes-qgis
  target=()
fi
echo "Installing Debian packages (QGIS $series): ${missing[*]:-qgis}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --allow-downgrades "${target[@]}" qgis python3-qgis qgis-providers "${missing[@]}" >/dev/null
v=$(dpkg-query -W -f='${Version}' qgis)
case "$v" in "$series".*|*:"$series".*) echo "QGIS $v installed" ;; *) echo "expected QGIS $series, got $v" >&2; exit 1 ;; esac
