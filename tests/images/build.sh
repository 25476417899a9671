#!/bin/sh
# Builds baton-test-busybox:latest by `docker import` of a rootfs holding Debian's static busybox:
# nothing can be pulled on the test machines; and baton-test-busybox-nobody:latest, the same
# running as user 65534. Idempotent: returns at once when the images exist.
set -eu
IMAGE="${BATON_TEST_IMAGE:-baton-test-busybox:latest}"

NOBODY="${IMAGE%:*}-nobody:latest"

# The same image with `USER 65534` (an image whose own user is not root), made by committing
# a container of the first: no builder needed.
build_nobody() {
    if ! docker image inspect "$NOBODY" >/dev/null 2>&1; then
        container="$(docker create "$IMAGE")"
        docker commit --change 'USER 65534' "$container" "$NOBODY" >/dev/null
        docker rm "$container" >/dev/null
    fi
}

if docker image inspect "$IMAGE" >/dev/null 2>&1; then
    build_nobody
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
build_nobody
