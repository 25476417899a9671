#!/usr/bin/env python3
"""Generates a baton flow repository for benchmarks: N flows (default 10,000) of 5-20 tasks of
mixed types, with nested flowables, templates, triggers, subflow calls and namespace files.

usage: gen_flows.py OUT_DIR [N]   (deterministic: the same N gives the same repo)
"""
import os
import random
import sys

TEAMS = ["data", "ops", "web", "ml", "finance", "sales", "infra", "qa"]
ENVS = ["dev", "prod"]


def log(tid, rng, prev):
    msg = f"step {tid}"
    if prev and rng.random() < 0.5:
        msg += " after {{ outputs." + prev + ".value }}"
    return [f"- id: {tid}", "  type: io.kestra.plugin.core.log.Log",
            f"  message: \"{msg} for {{{{ inputs.name }}}}\""]


def ret(tid, rng, prev):
    return [f"- id: {tid}", "  type: io.kestra.plugin.core.debug.Return",
            "  format: \"{{ execution.id }}-{{ vars.suffix }}\""]


def sleep(tid, rng, prev):
    return [f"- id: {tid}", "  type: io.kestra.plugin.core.flow.Sleep",
            f"  duration: PT{rng.randint(1, 9)}S", "  timeout: PT1M",
            "  retry:", "    type: constant", "    interval: PT5S", "    maxAttempts: 3"]


def shell(tid, rng, prev):
    return [f"- id: {tid}", "  type: io.kestra.plugin.scripts.shell.Commands",
            "  commands:", "    - echo {{ inputs.name }}", f"    - ls -la /tmp/{tid}"]


def http(tid, rng, prev):
    return [f"- id: {tid}", "  type: io.kestra.plugin.core.http.Request",
            f"  uri: https://example.com/api/{tid}?day={{{{ trigger.date ?? 'now' }}}}",
            "  method: GET"]


RUNNABLE = [log, ret, sleep, shell, http]


def indent(lines, n):
    return [" " * n + line for line in lines]


def runnable(tid, rng, prev):
    return rng.choice(RUNNABLE)(tid, rng, prev)


def flowable(tid, rng, counter):
    kind = rng.choice(["Parallel", "Sequential", "If", "Switch", "ForEach", "Dag"])
    children = []
    n = rng.randint(2, 4)
    ids = []
    for _ in range(n):
        counter[0] += 1
        cid = f"t{counter[0]}"
        ids.append(cid)
        children.append(runnable(cid, rng, None))
    head = [f"- id: {tid}", f"  type: io.kestra.plugin.core.flow.{kind}"]
    body = []
    if kind in ("Parallel", "Sequential"):
        body = ["  tasks:"] + [l for c in children for l in indent(c, 4)]
    elif kind == "If":
        body = ["  condition: \"{{ inputs.flag }}\"", "  then:"]
        body += [l for c in children[:-1] for l in indent(c, 4)]
        body += ["  else:"] + indent(children[-1], 4)
    elif kind == "Switch":
        body = ["  value: \"{{ inputs.name }}\"", "  cases:", "    A:"]
        body += [l for c in children[:-1] for l in indent(c, 6)]
        body += ["  defaults:"] + indent(children[-1], 4)
    elif kind == "ForEach":
        body = ["  values: [\"a\", \"b\", \"c\"]", "  concurrencyLimit: 2", "  tasks:"]
        body += [l for c in children for l in indent(c, 4)]
    else:
        body = ["  tasks:"]
        for i, c in enumerate(children):
            # `- id: x` becomes `task:` followed by the task's lines, indented under it.
            body += ["    - task:", " " * 8 + c[0][2:]] + indent(c[1:], 6)
            if i > 0:
                body += [f"      dependsOn: [{ids[i - 1]}]"]
    return head + body


def flow(i, rng, namespace, all_ids):
    fid = f"flow-{i:05d}"
    lines = [f"id: {fid}", f"namespace: {namespace}", "description: generated for the benchmark",
             "labels:", f"  team: {namespace.split('.')[1]}", "inputs:",
             "  - id: name", "    type: STRING", "    defaults: world",
             "  - id: flag", "    type: BOOLEAN", "    defaults: true",
             "variables:", "  suffix: done", "tasks:"]
    counter = [0]
    prev = None
    for _ in range(rng.randint(5, 20)):
        counter[0] += 1
        tid = f"t{counter[0]}"
        r = rng.random()
        if r < 0.2:
            task = flowable(tid, rng, counter)
        elif r < 0.23 and all_ids:
            ns, target = rng.choice(all_ids)
            task = [f"- id: {tid}", "  type: io.kestra.plugin.core.flow.Subflow",
                    f"  namespace: {ns}", f"  flowId: {target}", "  inputs:",
                    "    name: \"{{ inputs.name }}\""]
        else:
            task = runnable(tid, rng, prev)
        lines += indent(task, 2)
        prev = tid
    lines += ["errors:", "  - id: alert", "    type: io.kestra.plugin.core.log.Log",
              "    level: ERROR", "    message: \"failed: {{ execution.id }}\""]
    if rng.random() < 0.5:
        lines += ["triggers:", "  - id: schedule", "    type: io.kestra.plugin.core.trigger.Schedule",
                  f"    cron: \"{rng.randint(0, 59)} {rng.randint(0, 23)} * * *\"",
                  "    timezone: Europe/Paris"]
    return fid, "\n".join(lines) + "\n"


def main():
    out = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000
    rng = random.Random(42)
    done = []
    for team in TEAMS:
        d = os.path.join(out, "namespaces", f"company.{team}")
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "namespace.yaml"), "w") as f:
            f.write("variables:\n  owner: " + team + "\npluginDefaults:\n"
                    "  - type: io.kestra.plugin.core.log.Log\n    values:\n      level: INFO\n")
    for i in range(n):
        namespace = f"company.{rng.choice(TEAMS)}.{rng.choice(ENVS)}"
        fid, text = flow(i, rng, namespace, done[-50:])
        folder = os.path.join(out, "flows", *namespace.split("."))
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, fid + ".yaml"), "w") as f:
            f.write(text)
        done.append((namespace, fid))
    print(f"generated {n} flows in {out}")


if __name__ == "__main__":
    main()
