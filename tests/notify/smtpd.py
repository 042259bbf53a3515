#!/usr/bin/python3
"""A real SMTP server on loopback for vigia's notification tests (aiosmtpd, Debian's
python3-aiosmtpd).

Why aiosmtpd rather than Postfix or OpenSMTPD: the tests need, per test and without root or a
system-wide daemon, a server on a free loopback port that offers STARTTLS with a throwaway
certificate, asks for AUTH, answers chosen recipients with 4xx or 5xx, can be slow on
purpose (so that a SIGKILL lands in the middle of a batch) and keeps every accepted message
as a file.  aiosmtpd is a complete RFC 5321 server (EHLO, STARTTLS, AUTH, pipelining) whose
answers can be set per command; Postfix would need a system configuration and a queue.

usage: smtpd.py --port N --dir DIR [--tls CERT KEY] [--require-tls] [--auth USER:PASS]
                [--reject ADDR=CODE TEXT]... [--tempfail-first N] [--delay SECONDS]
                [--kill-at-rcpt N,... --kill-pid-file FILE]

Every accepted message is written to DIR/NNNN.eml (the bytes received) with its envelope in
DIR/envelope.jsonl.  The server writes DIR/ready when it listens and stops on SIGTERM.
--kill-at-rcpt: on the Nth RCPT command received (counting from 1 over the server's life),
SIGKILL the process whose pid is in FILE (the vigia under test), before answering: a crash
in the middle of a batch at a known point.
"""
import argparse
import asyncio
import json
import os
import signal
import ssl
import sys
import threading
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Handler:
    def __init__(self, args):
        self.args = args
        self.rejects = {}
        for r in args.reject:
            addr, _, reply = r.partition("=")
            self.rejects[addr.lower()] = reply
        self.tempfail = args.tempfail_first
        self.n = len([f for f in os.listdir(args.dir) if f.endswith(".eml")])
        self.lock = threading.Lock()
        self.rcpts = 0
        self.kill_at = set(int(x) for x in args.kill_at_rcpt.split(",") if x)

    def maybe_kill(self):
        self.rcpts += 1
        if self.rcpts in self.kill_at and self.args.kill_pid_file:
            with open(self.args.kill_pid_file) as f:
                os.kill(int(f.read().strip()), signal.SIGKILL)
            with open(os.path.join(self.args.dir, "killed"), "a") as f:
                f.write("%d\n" % self.rcpts)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self.maybe_kill()
        if self.args.delay:
            await asyncio.sleep(self.args.delay)
        reply = self.rejects.get(address.lower())
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            if self.tempfail > 0:
                self.tempfail -= 1
                return "451 4.3.0 Try again later (test)"
            self.n += 1
            name = "%04d.eml" % self.n
            with open(os.path.join(self.args.dir, name + ".tmp"), "wb") as f:
                f.write(envelope.original_content or envelope.content)
            os.rename(os.path.join(self.args.dir, name + ".tmp"),
                      os.path.join(self.args.dir, name))
            with open(os.path.join(self.args.dir, "envelope.jsonl"), "a") as f:
                f.write(json.dumps({"file": name, "from": envelope.mail_from,
                                    "to": envelope.rcpt_tos,
                                    "tls": session.ssl is not None,
                                    "auth": session.authenticated}) + "\n")
        return "250 2.0.0 Ok: queued as %s" % name


def authenticator(user, password):
    def check(server, session, envelope, mechanism, auth_data):
        if isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user \
                and auth_data.password.decode() == password:
            return AuthResult(success=True)
        return AuthResult(success=False, handled=False)
    return check


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--dir", required=True)
    p.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    p.add_argument("--require-tls", action="store_true")
    p.add_argument("--auth")
    p.add_argument("--reject", action="append", default=[])
    p.add_argument("--tempfail-first", type=int, default=0)
    p.add_argument("--delay", type=float, default=0)
    p.add_argument("--kill-at-rcpt", default="")
    p.add_argument("--kill-pid-file")
    args = p.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    kw = {}
    if args.tls:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(args.tls[0], args.tls[1])
        kw["tls_context"] = ctx
        kw["require_starttls"] = args.require_tls
    if args.auth:
        user, _, password = args.auth.partition(":")
        kw["authenticator"] = authenticator(user, password)
        kw["auth_required"] = True
        kw["auth_require_tls"] = bool(args.tls)
    c = Controller(Handler(args), hostname="127.0.0.1", port=args.port, **kw)
    c.start()
    open(os.path.join(args.dir, "ready"), "w").close()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: stop.set())
    signal.signal(signal.SIGINT, lambda *a: stop.set())
    while not stop.is_set():
        stop.wait(0.2)
    c.stop()


if __name__ == "__main__":
    sys.exit(main())
