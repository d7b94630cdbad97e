# shellcheck shell=bash
# Builds OCI image archives without a container engine: a root filesystem directory becomes one
# gzip-compressed layer, described by an image config and a manifest, written as an OCI image
# layout in a tar archive that `ctr images import`, `docker load` (25+), podman and skopeo read.
# Archives are reproducible: sorted entries, owner 0, mtime 0, gzip without a timestamp.

# oci_add_program ROOTFS PATH [AS]: copies an executable and every shared library it loads
# (ldd's list, and the dynamic loader) into ROOTFS, at the same paths (or at AS).
oci_add_program() {
  local rootfs="$1" program="$2" target="${3:-$2}" lib
  install -D -m 0755 "${program}" "${rootfs}${target}"
  while read -r lib; do
    [ -n "${lib}" ] || continue
    mkdir -p "${rootfs}$(dirname "${lib}")"
    cp -L --preserve=mode "${lib}" "${rootfs}${lib}"
  done < <(ldd "${program}" 2>/dev/null | grep -oE '/[^ ]+' | sort -u || true)
}

# oci_add_user ROOTFS UID NAME: /etc/passwd and /etc/group naming the non-root user images run as.
oci_add_user() {
  local rootfs="$1" uid="$2" name="$3"
  mkdir -p "${rootfs}/etc" "${rootfs}/tmp"
  chmod 1777 "${rootfs}/tmp"
  printf 'root:x:0:0:root:/root:/sbin/nologin\n%s:x:%s:%s:%s:/nonexistent:/sbin/nologin\n' "${name}" "${uid}" "${uid}" "${name}" >"${rootfs}/etc/passwd"
  printf 'root:x:0:\n%s:x:%s:\n' "${name}" "${uid}" >"${rootfs}/etc/group"
}

_oci_blob() { # FILE LAYOUT -> prints "sha256:<hex> <size>" and moves FILE into blobs/
  local file="$1" layout="$2" digest size
  digest="$(sha256sum "${file}" | cut -d' ' -f1)"
  size="$(stat -c %s "${file}")"
  mv "${file}" "${layout}/blobs/sha256/${digest}"
  printf 'sha256:%s %s' "${digest}" "${size}"
}

# oci_archive ROOTFS NAME:TAG OUT.tar CONFIG_JSON: CONFIG_JSON is the image config's "config"
# object (Entrypoint, Cmd, User, Env, WorkingDir) as JSON.
oci_archive() {
  local rootfs="$1" ref="$2" out="$3" runconfig="$4" layout diffid layer config manifest
  layout="$(mktemp -d)"
  mkdir -p "${layout}/blobs/sha256"
  tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 --format=posix \
    --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime \
    -C "${rootfs}" -cf "${layout}/layer.tar" .
  diffid="sha256:$(sha256sum "${layout}/layer.tar" | cut -d' ' -f1)"
  gzip -n -6 "${layout}/layer.tar"
  layer="$(_oci_blob "${layout}/layer.tar.gz" "${layout}")"
  printf '{"architecture":"amd64","os":"linux","config":%s,"rootfs":{"type":"layers","diff_ids":["%s"]},"history":[{"created_by":"kapi deploy/images"}]}' \
    "${runconfig}" "${diffid}" >"${layout}/config.json"
  config="$(_oci_blob "${layout}/config.json" "${layout}")"
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"%s","size":%s}]}' \
    "${config% *}" "${config#* }" "${layer% *}" "${layer#* }" >"${layout}/manifest.json"
  manifest="$(_oci_blob "${layout}/manifest.json" "${layout}")"
  local tag="${ref##*:}" full="${ref}" domain="${ref%%/*}"
  # containerd names the image after io.containerd.image.name, which must be the normalised
  # reference the kubelet asks for (kapi:1 is docker.io/library/kapi:1, kapi/etcd:3 is
  # docker.io/kapi/etcd:3); others read the tag from org.opencontainers.image.ref.name.
  if [[ "${ref}" != */* ]]; then
    full="docker.io/library/${ref}"
  elif [[ "${domain}" != *.* && "${domain}" != *:* && "${domain}" != localhost ]]; then
    full="docker.io/${ref}"
  fi
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":%s,"annotations":{"io.containerd.image.name":"%s","org.opencontainers.image.ref.name":"%s"}}]}' \
    "${manifest% *}" "${manifest#* }" "${full}" "${tag}" >"${layout}/index.json"
  printf '{"imageLayoutVersion":"1.0.0"}' >"${layout}/oci-layout"
  mkdir -p "$(dirname "${out}")"
  tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "${layout}" -cf "${out}.partial" oci-layout index.json blobs
  mv "${out}.partial" "${out}"
  rm -rf "${layout}"
}
