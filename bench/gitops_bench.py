"""Driver of bench/gitops.sh: generates the repository, runs the daemon, prints the figures."""

import hashlib
import hmac
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

FLOWS = 1000
RUNS = 20
SECRET = "bench-secret"


def git(repo, *args):
    subprocess.run(["git", "-C", repo, *args], check=True, capture_output=True)


def flow(i, marker="v0"):
    ns = f"bench.team{i % 10}"
    return (
        f"flows/bench/team{i % 10}/flow{i}.yaml",
        f"id: flow{i}\nnamespace: {ns}\ntasks:\n  - id: log\n    type: io.kestra.plugin.core.log.Log\n"
        f"    message: \"{marker} {{{{ namespace.env }}}}\"\n",
    )


def make_repo(root):
    os.makedirs(root)
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.email", "bench@example.com")
    git(root, "config", "user.name", "Bench")
    os.makedirs(f"{root}/namespaces/bench", exist_ok=True)
    with open(f"{root}/namespaces/bench/namespace.yaml", "w") as f:
        f.write("variables:\n  env: bench\n")
    for i in range(FLOWS):
        path, text = flow(i)
        os.makedirs(os.path.dirname(f"{root}/{path}"), exist_ok=True)
        with open(f"{root}/{path}", "w") as f:
            f.write(text)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "1000 flows")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()
    except OSError:
        return 0, b""


class Daemon:
    def __init__(self, binary, repo, db, extra):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.data = tempfile.mkdtemp(prefix="baton-bench-data-")
        args = [binary, "server", "--repo", repo, "--listen", f"127.0.0.1:{self.port}",
                "--database", f"sqlite://{db}", "--data-dir", self.data, *extra]
        self.started = time.monotonic()
        env = dict(os.environ, BATON_LOG="warn")
        self.proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def wait_ready(self, timeout=120):
        while time.monotonic() - self.started < timeout:
            if get(f"{self.base}/readyz")[0] == 200:
                return time.monotonic() - self.started
            time.sleep(0.005)
        raise RuntimeError("daemon not ready")

    def rss_mb(self, field="VmRSS"):
        """Resident memory in MB: VmRSS (all), RssAnon (heap and stacks), RssFile (the binary's
        pages, shared libraries)."""
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith(f"{field}:"):
                    return int(line.split()[1]) / 1024
        return float("nan")

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=30)
        shutil.rmtree(self.data, ignore_errors=True)


def wait_live(daemon, i, marker, timeout=30):
    ns = f"bench.team{i % 10}"
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        status, body = get(f"{daemon.base}/api/v1/flows/{ns}/flow{i}")
        if status == 200 and marker.encode() in body:
            return
        time.sleep(0.002)
    raise RuntimeError(f"flow{i} never went live with {marker}")


def edit(repo, i, marker):
    path, text = flow(i, marker)
    with open(f"{repo}/{path}", "w") as f:
        f.write(text)
    return path


def worktree_latencies(binary, repo, db):
    daemon = Daemon(binary, repo, db, ["--follow-worktree", "--poll-interval", "1h"])
    daemon.wait_ready()
    out = []
    for run in range(RUNS):
        i, marker = (run * 37) % FLOWS, f"wt{run}"
        time.sleep(0.2)
        t0 = time.monotonic()
        path = edit(repo, i, marker)
        git(repo, "commit", "-q", "-am", marker)
        wait_live(daemon, i, marker)
        out.append((time.monotonic() - t0) * 1000)
    daemon.stop()
    return out


def webhook_latencies(binary, repo, tmp):
    bare = f"{tmp}/remote.git"
    subprocess.run(["git", "clone", "-q", "--bare", repo, bare], check=True)
    git(repo, "remote", "add", "origin", bare)
    daemon = Daemon(binary, f"file://{bare}", f"{tmp}/remote.db",
                    ["--poll-interval", "1h", "--webhook-secret", SECRET])
    daemon.wait_ready()
    out = []
    for run in range(RUNS):
        i, marker = (run * 53 + 7) % FLOWS, f"wh{run}"
        edit(repo, i, marker)
        git(repo, "commit", "-q", "-am", marker)
        git(repo, "push", "-q", "origin", "main")
        sha = subprocess.run(["git", "-C", repo, "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
        body = json.dumps({"ref": "refs/heads/main", "after": sha}).encode()
        sig = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        t0 = time.monotonic()
        req = urllib.request.Request(f"{daemon.base}/api/v1/git/webhook", data=body, method="POST",
                                     headers={"X-Hub-Signature-256": sig, "Content-Type": "application/json"})
        urllib.request.urlopen(req, timeout=5).read()
        wait_live(daemon, i, marker)
        out.append((time.monotonic() - t0) * 1000)
    daemon.stop()
    return out


def main():
    binary = os.path.abspath(sys.argv[1])
    tmp = tempfile.mkdtemp(prefix="baton-bench-")
    repo = f"{tmp}/repo"
    make_repo(repo)
    db = f"{tmp}/local.db"

    cold = Daemon(binary, repo, db, ["--poll-interval", "1h"])
    fresh_ready = cold.wait_ready()
    cold.stop()
    warm = Daemon(binary, repo, db, ["--poll-interval", "1h"])
    restart_ready = warm.wait_ready()
    time.sleep(3)
    rss = warm.rss_mb()
    anon, mapped = warm.rss_mb("RssAnon"), warm.rss_mb("RssFile")
    warm.stop()

    wt = worktree_latencies(binary, repo, db)
    wh = webhook_latencies(binary, repo, tmp)
    print(f"flows:                              {FLOWS}")
    print(f"ready, fresh database (deploy all): {fresh_ready * 1000:8.0f} ms")
    print(f"ready, restart on that database:    {restart_ready * 1000:8.0f} ms   (target < 1000 ms)")
    print(f"idle RSS after restart:             {rss:8.1f} MB   (target < 50 MB; "
          f"anonymous {anon:.1f} MB, file-backed {mapped:.1f} MB)")
    print(f"worktree edit+commit -> live:       median {statistics.median(wt):6.1f} ms, "
          f"max {max(wt):6.1f} ms over {RUNS}   (target < 100 ms)")
    print(f"signed push webhook -> live:        median {statistics.median(wh):6.1f} ms, "
          f"max {max(wh):6.1f} ms over {RUNS}   (target < 300 ms)")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
