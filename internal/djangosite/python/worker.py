"""The test site's worker: Django's ORM and django-otp's own functions behind
JSON lines, one request per line on stdin, one answer per line on stdout.

Starting Python and Django costs ~0.3 s; the tests make thousands of calls,
so one process answers them all. Every answer is {"ok": true, "result": ...}
or {"ok": false, "error": "..."}; nothing else is written to stdout (print
and Django's warnings go to stderr).
"""
import contextlib
import io
import json
import os
import random
import string
import sys
import time

import django

_answers = sys.stdout
sys.stdout = sys.stderr
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import ManagementUtility  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
import django_otp  # noqa: E402
from django_otp.models import Device  # noqa: E402
from django_otp.plugins.otp_hotp.models import HOTPDevice  # noqa: E402
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402

User = get_user_model()
MODELS = {"otp_totp_totpdevice": TOTPDevice, "otp_hotp_hotpdevice": HOTPDevice,
          "otp_static_staticdevice": StaticDevice}


def describe(device):
    return {"table": device._meta.db_table, "id": device.pk,
            "persistent_id": device.persistent_id, "name": device.name,
            "confirmed": device.confirmed, "user": device.user.get_username(),
            "key": getattr(device, "key", "")}


def device_from(req):
    """A device named by its persistent id ("otp_totp.totpdevice/3") or by
    table and id."""
    if req.get("device"):
        device = Device.from_persistent_id(req["device"])
        if device is None:
            raise LookupError("no device %s" % req["device"])
        return device
    return MODELS[req["table"]].objects.get(pk=req["id"])


def unusable_password():
    # What set_unusable_password stores, without hashing cost.
    return "!" + "".join(random.choice(string.ascii_letters + string.digits) for _ in range(40))


def op_create_user(req):
    user = User.objects.create(username=req["username"], password=unusable_password())
    return {"id": user.pk}


def owner(req):
    return User.objects.get_by_natural_key(req["user"])


def device_fields(req, names):
    return {n: req[n] for n in names if req.get(n) is not None}


def op_add_totp(req):
    fields = device_fields(req, ["key", "step", "t0", "digits", "tolerance", "drift", "last_t",
                                 "throttling_failure_count"])
    device = TOTPDevice.objects.create(user=owner(req), name=req.get("name", "default"),
                                       confirmed=req.get("confirmed", True), **fields)
    return describe(device)


def op_add_hotp(req):
    fields = device_fields(req, ["key", "digits", "tolerance", "counter", "throttling_failure_count"])
    device = HOTPDevice.objects.create(user=owner(req), name=req.get("name", "hotp"),
                                       confirmed=req.get("confirmed", True), **fields)
    return describe(device)


def op_add_static(req):
    with transaction.atomic():
        device = StaticDevice.objects.create(user=owner(req), name=req.get("name", "backup"),
                                             confirmed=req.get("confirmed", True))
        for token in req.get("tokens") or []:
            device.token_set.create(token=token)
    return describe(device)


def op_verify_token(req):
    """django_otp.verify_token: only the named device, in Django's own
    transaction (select_for_update), as a login form does."""
    device = device_from(req)
    hit = django_otp.verify_token(owner(req), device.persistent_id, req["token"])
    return {"device": hit.persistent_id if hit else None}


def op_match_token(req):
    """django_otp.match_token: every confirmed device of the user in turn."""
    hit = django_otp.match_token(owner(req), req["token"])
    return {"device": hit.persistent_id if hit else None}


def op_device_state(req):
    """Every column of the device's row, read with SQL so nothing the ORM
    would hide is missed; static devices add their tokens. A device that no
    longer exists is {"exists": false}."""
    table = req["table"]
    if table not in MODELS and table != "two_factor_phonedevice":
        raise ValueError("unknown device table %r" % table)
    with connection.cursor() as cur:
        cur.execute('SELECT * FROM "%s" WHERE id = %%s' % table, [req["id"]])
        row = cur.fetchone()
        if row is None:
            return {"exists": False}
        state = {"exists": True, "columns": dict(zip([c[0] for c in cur.description], row))}
        if table == "otp_static_staticdevice":
            cur.execute("SELECT token FROM otp_static_statictoken WHERE device_id = %s ORDER BY id",
                        [req["id"]])
            state["tokens"] = [r[0] for r in cur.fetchall()]
    return state


def op_users(req):
    return [u for u in User.objects.order_by("id").values_list("username", flat=True)]


def op_devices(req):
    """All devices of a user, confirmed or not, in INSTALLED_APPS order."""
    return [describe(d) for d in django_otp.devices_for_user(owner(req), confirmed=None)]


def op_command(req):
    """A management command as manage.py runs it (CommandError -> stderr
    line and exit code), in this process."""
    out, err, code = io.StringIO(), io.StringIO(), 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            ManagementUtility(["manage.py", req["name"]] + list(req.get("args") or [])).execute()
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else 1
    return {"stdout": out.getvalue(), "stderr": err.getvalue(), "code": code}


def op_sql(req):
    """Raw SQL for test set-up the ORM cannot express (e.g. throttling
    state in the past). Returns the rows, if any."""
    with connection.cursor() as cur:
        cur.execute(req["sql"], req.get("params") or [])
        return [list(r) for r in cur.fetchall()] if cur.description else []


def op_bulk_site(req):
    """The benchmark site: users u000000.. each with a confirmed TOTP device
    named 'default' for the first `enabled` users, then extra devices
    (HOTP named 'hotp', unconfirmed for every other one) until `devices`
    devices exist. bulk_create keeps it to seconds."""
    n_users, n_devices, enabled = req["users"], req["devices"], req["enabled"]
    now = timezone.now()
    with transaction.atomic():
        User.objects.bulk_create(
            [User(username="u%06d" % i, password=unusable_password(), date_joined=now)
             for i in range(n_users)], batch_size=2000)
        ids = list(User.objects.filter(username__startswith="u").order_by("username")
                   .values_list("id", flat=True))
        TOTPDevice.objects.bulk_create(
            [TOTPDevice(user_id=uid, name="default", confirmed=True) for uid in ids[:enabled]],
            batch_size=2000)
        extra = n_devices - enabled
        HOTPDevice.objects.bulk_create(
            [HOTPDevice(user_id=ids[i % len(ids)], name="hotp", confirmed=(i % 2 == 0))
             for i in range(extra)], batch_size=2000)
    return {"users": len(ids), "devices": enabled + extra}


def op_now(req):
    return {"unix": time.time()}


OPS = {name[3:]: fn for name, fn in globals().items() if name.startswith("op_")}


def answer(line):
    req = json.loads(line)
    at = req.get("at")  # unix seconds: start exactly then (race tests)
    if at:
        delay = at - time.time()
        if delay > 0:
            time.sleep(delay)
    try:
        return {"ok": True, "result": OPS[req["op"]](req)}
    except Exception as e:  # the test decides; the worker keeps serving
        return {"ok": False, "error": "%s: %s" % (type(e).__name__, e)}
    finally:
        # No transaction or cursor is left open between requests, so the
        # worker holds no lock while two-factor works.
        connection.close()


def main():
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            reply = answer(line)
        except Exception as e:
            reply = {"ok": False, "error": "bad request: %s" % e}
        _answers.write(json.dumps(reply, default=str) + "\n")
        _answers.flush()


if __name__ == "__main__":
    main()
