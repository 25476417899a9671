#!/bin/sh
# Builds baton-test-busybox:latest by `docker import` of a rootfs holding Debian's static busybox:
# nothing can be pulled on the test machines. Idempotent: returns at once when the image exists.
set -eu
IMAGE="${BATON_TEST_IMAGE:-baton-test-busybox:latest}"

if docker image inspect "$IMAGE" >/dev/null 2>&1; then
    exit 0
fi

if [ ! -x /bin/busybox ]; then
    apt-get install -y busybox-static >/dev/null
fi

rootfs="$(mktemp -d)"
trap 'rm -rf "$rootfs"' EXIT
mkdir -p "$rootfs/bin" "$rootfs/tmp" "$rootfs/etc"
chmod 1777 "$rootfs/tmp"
cp /bin/busybox "$rootfs/bin/busybox"
for applet in $(/bin/busybox --list); do
    [ "$applet" = busybox ] || ln -s busybox "$rootfs/bin/$applet"
done
echo 'root:x:0:0:root:/root:/bin/sh' > "$rootfs/etc/passwd"
echo 'nobody:x:65534:65534:nobody:/nonexistent:/bin/sh' >> "$rootfs/etc/passwd"
echo 'root:x:0:' > "$rootfs/etc/group"
echo 'nogroup:x:65534:' >> "$rootfs/etc/group"
tar -C "$rootfs" -c . | docker import \
    --change 'ENV PATH=/bin' \
    --change 'CMD ["/bin/sh"]' \
    - "$IMAGE" >/dev/null
