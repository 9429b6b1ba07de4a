"""A throwaway Dovecot IMAP server on loopback for the inbound-mail tests: its own config, maildir
and password file in a temporary folder, stopped afterwards. Needs Debian's `dovecot-imapd`
(skipped locally without it, a failure under HOURDESK_REQUIRE_ALL=1, as CI installs it)."""
import grp
import os
import pwd
import shutil
import socket
import subprocess
import time
from pathlib import Path

from tests.conftest import require

CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{root}/mail/%u
first_valid_uid = 1
{internal}
service imap-login {{
  chroot =
  inet_listener imap {{
    port = {port}
  }}
}}
service anvil {{
  chroot =
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
"""


PASSWORD = "secret"
MAILBOXES = [f"support{n}@hourdesk.test" for n in range(1, 41)]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Dovecot:
    def __init__(self, root: Path):
        binary = shutil.which("dovecot") or ("/usr/sbin/dovecot" if Path("/usr/sbin/dovecot").exists() else None)
        require(binary is not None, "dovecot is not installed (apt-get install dovecot-imapd)")
        self.root, self.port, self.binary = root, _free_port(), binary
        for sub in ("run", "state", "mail", "home"):
            (root / sub).mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:   # root (CI): mail belongs to nobody, Dovecot's own users do the rest
            uid, gid, internal = "nobody", grp.getgrgid(pwd.getpwnam("nobody").pw_gid).gr_name, ""
            for sub in ("mail", "home"):
                shutil.chown(root / sub, "nobody", gid)
            root.chmod(0o755)
        else:                   # an ordinary user runs every Dovecot process as itself
            me = pwd.getpwuid(os.geteuid())
            group = grp.getgrgid(me.pw_gid).gr_name
            uid, gid = me.pw_name, group
            internal = (f"default_internal_user = {me.pw_name}\ndefault_internal_group = {group}\n"
                        f"default_login_user = {me.pw_name}")
        # every mailbox the tests will use, written once: Dovecot re-reads a changed password file by
        # its time stamp, which a file changed twice within a second would not show
        (root / "passwd").write_text("".join(f"{name}:{{PLAIN}}{PASSWORD}\n" for name in MAILBOXES))
        self.config = root / "dovecot.conf"
        self.config.write_text(CONFIG.format(root=root, port=self.port, uid=uid, gid=gid, internal=internal))
        subprocess.run([binary, "-c", str(self.config)], check=True)
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError((root / "dovecot.log").read_text(errors="replace")[-2000:]) from None
                time.sleep(0.05)

    def stop(self) -> None:
        subprocess.run([self.binary, "-c", str(self.config), "stop"], check=False)
