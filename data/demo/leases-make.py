#!/usr/bin/env python3
"""Generates data/demo/leases.jsonl, the demo lease book (see src/lease/book.h).

About three hundred lease requests over the demo world, from 100 days before the anchor to 45
days after it, with the officer's reviews (approvals, denials with reasons), cancellations,
extensions, a few pending reviews left open, and an acquisition that puts a tenant's leases on
compliance hold. Times are offsets from the anchor, so `straits lease import` gives the same
lease book relative to whatever day it is run with; the draws come from a fixed seed:

    python3 data/demo/leases-make.py > data/demo/leases.jsonl
"""
import json
import random

rng = random.Random(20261129)

# Tenants -> (weight, [(site, model)]) they book; which need review follows from the shipped
# rule packs (a parent in China needs review for advanced GPUs outside China).
SG, MY, US, CN = "sg-tuas-1", "my-johor-1", "us-ashburn-1", "cn-hangzhou-1"
CJ = "my-cyberjaya-1"
TENANTS = {
    "lumen-robotics": (5, [(SG, "h100-sxm"), (SG, "h200-sxm"), (MY, "h100-sxm")]),
    "harborview-asia": (6, [(SG, "h200-sxm"), (MY, "b200"), (US, "b200"), (CJ, "h200-sxm")]),
    "harborview": (3, [(US, "h100-sxm"), (US, "b200")]),
    "rheinwerk": (3, [(MY, "b200"), (SG, "h100-sxm"), (US, "h100-sxm")]),
    "qiantang-sg": (4, [(SG, "h200-sxm"), (CJ, "h20"), (MY, "b200")]),
    "qiantang-my": (3, [(CJ, "h200-sxm"), (CJ, "h20"), (MY, "h100-sxm")]),
    "beihai-vision": (2, [(CN, "h20"), (CN, "ascend-910b"), (SG, "h100-sxm")]),
    "xihu-cloud": (2, [(CN, "h20"), (CN, "a800-sxm"), (CN, "ascend-910b")]),
}
# (tenant, model) pairs placed outside China that wait for review, and models in China that do.
REVIEWED_TENANTS = {"qiantang-sg", "qiantang-my", "beihai-vision", "xihu-cloud"}
UNREVIEWED = {"h20"}

DENY_REASONS = [
    "end use not established: the customer declined to describe the model being trained",
    "ultimate owner's export licence application is still pending; resubmit when granted",
    "requested capacity exceeds the customer's approved compute budget under the KYC file",
    "screening match on a director pending clarification",
]
APPROVE_REASONS = [
    "customer screened; no end use of concern; conditions acknowledged in writing",
    "end-use statement on file; model weights stay on site",
    "parent-company screening complete; monthly usage reporting agreed",
]


def needs_review(tenant, site, model):
    if tenant not in REVIEWED_TENANTS:
        return model == "ascend-910b"
    return model not in UNREVIEWED


def offset(hours):
    """An offset from the anchor in whole hours: "-38d4h", "+2d"."""
    sign = "-" if hours < 0 else "+"
    hours = abs(hours)
    days, rest = divmod(hours, 24)
    text = (f"{days}d" if days else "") + (f"{rest}h" if rest or not days else "")
    return sign + text


events = []  # (at hours, order, entry)
tenants = list(TENANTS)
weights = [TENANTS[t][0] for t in tenants]
for i in range(300):
    ref = f"r{i + 1:03d}"
    tenant = rng.choices(tenants, weights)[0]
    site, model = rng.choice(TENANTS[tenant][1])
    gpus = rng.choice([8, 8, 8, 16, 16, 32, 32, 64, 128])
    days = rng.choice([1, 2, 3, 5, 7, 7, 14, 14, 21, 30])
    start = rng.randrange(-100 * 24, 45 * 24, 6)
    lead = rng.randrange(12, 10 * 24)
    at = min(start - lead, -rng.randrange(1, 48))
    request = {"tenant": tenant, "accelerators": [model], "gpus": gpus, "sites": [site]}
    if gpus > 8:
        request["scope"] = "pod"
    if rng.random() < 0.5:
        request["start"] = offset(start)
    else:
        request["earliest"] = offset(start)
        request["latest_end"] = offset(start + days * 24 + 72)
    request["duration"] = f"{days}d"
    if rng.random() < 0.3:
        request["purpose"] = "training"
        request["training_flop"] = float(f"{rng.choice([1, 2, 5])}e{rng.choice([22, 23, 24])}")
    events.append((at, 0, {"at": offset(at), "op": "request", "ref": ref, "request": request}))
    if needs_review(tenant, site, model):
        # The officer answers within the 72-hour hold, before the start; the most recent
        # requests are still waiting at the anchor.
        review = at + rng.randrange(2, min(60, max(3, start - at)))
        if review >= -6:
            continue
        if rng.random() < 0.75:
            entry = {"at": offset(review), "op": "approve", "ref": ref,
                     "reason": rng.choice(APPROVE_REASONS)}
        else:
            entry = {"at": offset(review), "op": "deny", "ref": ref,
                     "reason": rng.choice(DENY_REASONS)}
        events.append((review, 1, entry))
        continue
    roll = rng.random()
    if roll < 0.05 and start - at > 24:
        cancel = at + rng.randrange(1, start - at)
        # The book records what happened up to the anchor: no cancellations after it.
        if cancel <= 0:
            events.append((cancel, 1, {"at": offset(cancel), "op": "cancel", "ref": ref}))
    elif roll < 0.12 and start + days * 24 < 0 and "start" in request:
        # Extended while running, by a few days on the same nodes.
        when = start + rng.randrange(1, days * 24)
        extra = rng.choice([1, 2, 3])
        events.append((when, 1, {"at": offset(when), "op": "extend", "ref": ref,
                                 "to": offset(start + (days + extra) * 24)}))

# Kestrel AI: independent when it books, acquired two days before the anchor.
events.append((-120 * 24, -1, {"at": offset(-120 * 24), "op": "fleet",
                               "file": "leases-tenants.toml"}))
for n, (start, days, gpus) in enumerate([(-6 * 24, 20, 32), (5 * 24, 14, 64), (20 * 24, 7, 16)]):
    at = min(start - 72, -80)
    events.append((at, 0, {"at": offset(at), "op": "request", "ref": f"k{n + 1}", "request": {
        "tenant": "kestrel-ai", "accelerators": ["h100-sxm"], "gpus": gpus, "scope": "pod",
        "sites": [SG], "start": offset(start), "duration": f"{days}d", "purpose": "training"}}))
events.append((-48, 2, {"at": offset(-48), "op": "fleet", "file": "leases-acquisition.toml"}))
events.append((-47, 2, {"at": offset(-47), "op": "reevaluate",
                        "why": "Kestrel AI acquired by Qiantang Intelligence Group"}))

events.sort(key=lambda e: (e[0], e[1]))
print("# The demo lease book: generated by data/demo/leases-make.py; replay with")
print("#   straits lease import data/demo/leases.jsonl [--anchor DATE]")
for _, _, entry in events:
    print(json.dumps(entry, separators=(",", ":")))
