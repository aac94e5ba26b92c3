#!/usr/bin/env bash
# scripts/mailstack.sh - Campaign Desk's own loopback-only mail stack for tests (Debian).
#
#   Postfix  SMTP  127.0.0.1:$MAILSTACK_SMTP_PORT (2525), no TLS, no AUTH
#   Dovecot  IMAP  127.0.0.1:$MAILSTACK_IMAP_PORT (1143), plaintext login allowed (loopback only)
#   Dovecot  LDA   Postfix delivers through dovecot-lda, so each user's Sieve script runs
#                  (a `vacation` there sends a real RFC 3834 auto-reply back through Postfix)
#
# Users: every name in $MAILSTACK_USERS at every domain in $MAILSTACK_DOMAINS is a mailbox
# (rep@example.com, ana@example.org, ...). IMAP login: the full address, password
# $MAILSTACK_PASS. Any other address at those domains is unknown: Postfix accepts the mail,
# then bounces it with its own RFC 3464 delivery-status report (5.1.1) to the sender, so a
# send from rep@example.com to nobody-here@example.org puts a real bounce in rep's INBOX.
# Nothing leaves the machine: other domains are refused at RCPT time (relay denied), every
# non-local transport is `error:`, DNS is off, and both servers listen on 127.0.0.1 only.
#
# Everything lives in one state folder, $MAILSTACK_DIR (default ${TMPDIR:-/tmp}/campaign-desk-mail):
# a separate Postfix instance (its own config and queue: `postfix -c`) and a separate Dovecot
# instance (`dovecot -c`); the machine's /etc/postfix and /etc/dovecot are not touched and a
# distro Postfix/Dovecot, if running, is left alone. Runs as root (CI is root).
#
# Usage: scripts/mailstack.sh up | down | status | clear | env | sieve ADDRESS < script.sieve | count ADDRESS
#        | uidvalidity ADDRESS N
#   up      install the Debian packages if missing (apt-get, non-interactive), configure, start; idempotent
#   down    stop only the Postfix and Dovecot that `up` started (their recorded pids)
#   status  what runs, on which ports; exit 0 only when both run
#   clear   empty every mailbox
#   env     print the TEST_* variables the integration tests read (`eval "$(... env)"`)
#   sieve   install stdin as ADDRESS's active Sieve script (empty stdin removes it)
#   count   how many messages ADDRESS's INBOX holds
#   uidvalidity ADDRESS N   give ADDRESS's INBOX the UIDVALIDITY N (as a restored or rebuilt server does)
set -euo pipefail

SMTP_PORT="${MAILSTACK_SMTP_PORT:-2525}"
IMAP_PORT="${MAILSTACK_IMAP_PORT:-1143}"
DOMAINS="${MAILSTACK_DOMAINS:-example.org example.com example.net}"
USERS="${MAILSTACK_USERS:-rep ana ben cara dan eve fay gus hal ivy bench}"
PASS="${MAILSTACK_PASS:-campaign-desk-test}"
STATE="${MAILSTACK_DIR:-${TMPDIR:-/tmp}/campaign-desk-mail}"
MYHOST="mailstack.campaign-desk.invalid"
VUSER=cdmail # the system user that owns the maildirs

PF="$STATE/postfix"     # Postfix config_directory
QUEUE="$STATE/spool"    # Postfix queue_directory
MAIL="$STATE/mail"      # maildirs: $MAIL/<domain>/<user>/Maildir
RUN="$STATE/run"        # Dovecot base_dir
LOG="$STATE/log"
DCONF="$STATE/dovecot.conf"

say() { printf '[mailstack] %s\n' "$*"; }
die() { printf '[mailstack] ERROR: %s\n' "$*" >&2; exit 1; }
need_root() { [ "$(id -u)" = 0 ] || die "run as root (it starts Postfix and Dovecot)"; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_port() { local i; for i in $(seq 1 100); do port_open "$1" && return 0; sleep 0.1; done; return 1; }
pid_alive() {
  [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null || return 1
  [ "$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)" != Z ]
}
pid_comm() { cat "/proc/$1/comm" 2>/dev/null || true; }
recorded() { [ -r "$STATE/$1.started" ] && tr -d ' \n' <"$STATE/$1.started" || true; }
postfix_pid() { [ -r "$QUEUE/pid/master.pid" ] && tr -d ' \n' <"$QUEUE/pid/master.pid" || true; }
dovecot_pid() { [ -r "$RUN/master.pid" ] && tr -d ' \n' <"$RUN/master.pid" || true; }
postfix_ours() { local p; p=$(postfix_pid); [ -n "$p" ] && [ "$p" = "$(recorded postfix)" ] && pid_alive "$p" && [ "$(pid_comm "$p")" = master ]; }
dovecot_ours() { local p; p=$(dovecot_pid); [ -n "$p" ] && [ "$p" = "$(recorded dovecot)" ] && pid_alive "$p" && [ "$(pid_comm "$p")" = dovecot ]; }

installed() { [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" = installed ]; }

install_packages() {
  local missing=() p
  for p in postfix dovecot-imapd dovecot-sieve; do installed "$p" || missing+=("$p"); done
  [ ${#missing[@]} = 0 ] && return 0
  command -v apt-get >/dev/null || die "missing ${missing[*]} and no apt-get to install them"
  say "installing ${missing[*]} (Debian packages, non-interactive)"
  # Postfix's debconf: "No configuration". This script writes its own instance; the
  # package's default instance is never configured or started.
  debconf-set-selections <<EOF
postfix postfix/main_mailer_type select No configuration
postfix postfix/mailname string $MYHOST
EOF
  # Keep dpkg from starting the distro services (Dovecot's stock config listens on every
  # interface on 143/993). An existing policy-rc.d is left as it is.
  local own_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    own_policy=1
  fi
  local rc=0
  # Update the package lists first: a fresh machine (CI image) may have none or stale ones.
  apt-get update -qq || rc=$?
  if [ $rc = 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
      postfix dovecot-imapd dovecot-sieve >/dev/null || rc=$?
  fi
  [ $own_policy = 1 ] && rm -f /usr/sbin/policy-rc.d
  [ $rc = 0 ] || die "apt-get install postfix dovecot-imapd dovecot-sieve failed (exit $rc)"
  # On a systemd machine, keep the distro units from starting at boot with their stock config.
  if [ -d /run/systemd/system ]; then
    systemctl disable --now postfix.service dovecot.service dovecot.socket >/dev/null 2>&1 || true
  fi
}

# Replace file $1 with stdin only when it differs (Postfix sleeps ~1 s on a table modified this second).
write_if_changed() {
  local tmp; tmp=$(mktemp "$1.XXXXXX")
  cat >"$tmp"
  if [ -e "$1" ] && cmp -s "$tmp" "$1"; then rm -f "$tmp"; else chmod "${2:-644}" "$tmp"; mv -f "$tmp" "$1"; fi
}

configure_dirs() {
  id "$VUSER" >/dev/null 2>&1 || useradd --system --user-group --no-create-home \
    --home-dir /nonexistent --shell /usr/sbin/nologin "$VUSER"
  install -d -m 0755 "$STATE" "$PF" "$LOG" "$RUN" "$QUEUE"
  # Postfix's own tree under $QUEUE (incoming, active, ...) is made by `postfix check`.
  install -d -m 0700 -o postfix "$STATE/postfix-data"
  install -d -m 0755 -o "$VUSER" -g "$VUSER" "$MAIL"
  local d u
  for d in $DOMAINS; do
    install -d -m 0755 -o "$VUSER" -g "$VUSER" "$MAIL/$d"
    for u in $USERS; do install -d -m 0700 -o "$VUSER" -g "$VUSER" "$MAIL/$d/$u"; done
  done
  chown "$VUSER:$VUSER" "$LOG"
  [ -e "$LOG/lda.log" ] || install -m 0644 -o "$VUSER" -g "$VUSER" /dev/null "$LOG/lda.log"
}

configure_postfix() {
  local d u
  # Known mailboxes go to Dovecot; any other address at our domains falls through to
  # virtual_transport, Postfix's error(8) agent, which bounces it with Postfix's own
  # RFC 3464 report (Status: 5.1.1) to the sender.
  for d in $DOMAINS; do for u in $USERS; do echo "$u@$d OK"; done; done | write_if_changed "$PF/mailboxes"
  for d in $DOMAINS; do for u in $USERS; do echo "$u@$d dovecot:"; done; done | write_if_changed "$PF/transport"
  : | write_if_changed "$PF/aliases"
  write_if_changed "$PF/main.cf" <<EOF
# generated by scripts/mailstack.sh: a separate, loopback-only Postfix instance for tests
compatibility_level = 3.6
config_directory = $PF
queue_directory = $QUEUE
data_directory = $STATE/postfix-data
myhostname = $MYHOST
mydomain = campaign-desk.invalid
myorigin = \$myhostname
mydestination =
inet_interfaces = loopback-only
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
relayhost =
# Nothing leaves the machine: every non-local transport fails, DNS is never asked.
default_transport = error:outbound mail is disabled in the test mail stack
relay_transport = error:outbound mail is disabled in the test mail stack
local_transport = error:local delivery is disabled in the test mail stack
smtp_dns_support_level = disabled
smtpd_peername_lookup = no
lmtp_host_lookup = native
smtp_host_lookup = native
smtpd_relay_restrictions = reject_unauth_destination
smtpd_recipient_restrictions =
smtpd_client_restrictions =
smtpd_helo_restrictions =
smtpd_sender_restrictions =
# Accept unknown users at our domains, then bounce them (a real delivery-status report
# back to the sender) instead of refusing them at RCPT time.
smtpd_reject_unlisted_recipient = no
virtual_mailbox_domains = $DOMAINS
virtual_mailbox_maps = texthash:$PF/mailboxes
transport_maps = texthash:$PF/transport
virtual_transport = error:5.1.1 User unknown in virtual mailbox table
dovecot_destination_recipient_limit = 1
alias_maps = texthash:$PF/aliases
alias_database =
smtpd_tls_security_level = none
smtp_tls_security_level = none
smtpd_sasl_auth_enable = no
message_size_limit = 104857600
mailbox_size_limit = 0
virtual_mailbox_limit = 0
smtputf8_enable = no
biff = no
append_dot_mydomain = no
recipient_delimiter = +
delay_warning_time = 0h
maillog_file = $LOG/postfix.log
maillog_file_prefixes = $LOG
EOF
  write_if_changed "$PF/master.cf" <<EOF
# generated by scripts/mailstack.sh (no chroot: this instance has no chroot tree)
127.0.0.1:$SMTP_PORT inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
dovecot   unix  -       n       n       -       -       pipe
  flags=DRhu user=$VUSER:$VUSER argv=/usr/lib/dovecot/dovecot-lda -c $DCONF -f \${sender} -d \${recipient}
EOF
  if ! postfix -c "$PF" check >/dev/null 2>&1; then
    # Postfix tells its reason only to a terminal (else to syslog, which CI has not): give it one.
    script -qec "postfix -c '$PF' check" /dev/null >&2 || true
    die "postfix refused the generated configuration in $PF"
  fi
}

configure_dovecot() {
  local d u
  for d in $DOMAINS; do for u in $USERS; do echo "$u@$d:{PLAIN}$PASS::::::"; done; done \
    | write_if_changed "$STATE/users" 640
  chgrp dovecot "$STATE/users" 2>/dev/null || true
  write_if_changed "$DCONF" 644 <<EOF
# generated by scripts/mailstack.sh: a separate, loopback-only Dovecot instance for tests
instance_name = campaign-desk-mail
base_dir = $RUN
state_dir = $STATE/dovecot-state
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_username_format = %Lu
# The tests provoke wrong passwords on purpose: answer them at once (the default waits 2 s).
auth_failure_delay = 0
log_path = $LOG/dovecot.log
info_log_path = $LOG/dovecot.log
default_login_user = dovenull
default_internal_user = dovecot
mail_location = maildir:~/Maildir
mail_uid = $VUSER
mail_gid = $VUSER
first_valid_uid = $(id -u "$VUSER")
mailbox_idle_check_interval = 1 secs
# dovecot-lda sends Sieve's vacation replies (and rejects) through our Postfix
submission_host = 127.0.0.1:$SMTP_PORT
postmaster_address = postmaster@${DOMAINS%% *}
hostname = $MYHOST
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%Lu $STATE/users
}
userdb {
  driver = static
  args = uid=$VUSER gid=$VUSER home=$MAIL/%Ld/%Ln allow_all_users=yes
}
namespace inbox {
  inbox = yes
  separator = /
  mailbox Sent {
    special_use = \\Sent
    auto = subscribe
  }
  mailbox Trash {
    special_use = \\Trash
    auto = subscribe
  }
}
protocol imap {
  mail_max_userip_connections = 200
}
protocol lda {
  mail_plugins = \$mail_plugins sieve
  # dovecot-lda runs as $VUSER (Postfix's pipe), so it writes its own log file
  log_path = $LOG/lda.log
  info_log_path = $LOG/lda.log
}
service stats {
  # dovecot-lda (running as $VUSER) reports to the stats writer too; this base_dir is ours
  unix_listener stats-writer {
    mode = 0666
  }
}
plugin {
  sieve = file:~/sieve;active=~/.dovecot.sieve
  sieve_vacation_dont_check_recipient = no
  # Tests send to the same person again and again: let a script answer every time
  # (vacation :seconds 0, RFC 6131) instead of once a day; editheader (RFC 5293) lets a
  # test's script drop List-Unsubscribe, which Pigeonhole's vacation never answers.
  sieve_extensions = +vacation-seconds +editheader
  sieve_vacation_min_period = 0
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $IMAP_PORT
  }
  inet_listener imaps {
    port = 0
  }
}
service pop3-login {
  inet_listener pop3 {
    port = 0
  }
  inet_listener pop3s {
    port = 0
  }
}
service submission-login {
  inet_listener submission {
    port = 0
  }
}
EOF
  mkdir -p "$STATE/dovecot-state"
  doveconf -c "$DCONF" -n >/dev/null || die "dovecot config invalid (doveconf -c $DCONF -n)"
}

cmd_up() {
  need_root
  local t0; t0=$(date +%s.%N)
  install_packages
  configure_dirs
  configure_dovecot
  configure_postfix
  if postfix_ours; then
    postfix -c "$PF" reload >>"$LOG/postfix.start.log" 2>&1 </dev/null
  else
    port_open "$SMTP_PORT" && die "127.0.0.1:$SMTP_PORT is already in use (set MAILSTACK_SMTP_PORT)"
    postfix -c "$PF" start >>"$LOG/postfix.start.log" 2>&1 </dev/null \
      || die "postfix failed to start (see $LOG/postfix.start.log and $LOG/postfix.log)"
    postfix_pid >"$STATE/postfix.started"
  fi
  if dovecot_ours; then
    doveadm -c "$DCONF" reload >>"$LOG/dovecot.start.log" 2>&1 </dev/null
  else
    port_open "$IMAP_PORT" && die "127.0.0.1:$IMAP_PORT is already in use (set MAILSTACK_IMAP_PORT)"
    # stdio detached: the Dovecot master would otherwise hold the caller's pipes open
    dovecot -c "$DCONF" </dev/null >>"$LOG/dovecot.start.log" 2>&1 \
      || die "dovecot failed to start (see $LOG/dovecot.start.log and $LOG/dovecot.log)"
    local i; for i in $(seq 1 50); do [ -n "$(dovecot_pid)" ] && break; sleep 0.1; done
    dovecot_pid >"$STATE/dovecot.started"
  fi
  wait_port "$SMTP_PORT" || die "postfix is not answering on 127.0.0.1:$SMTP_PORT"
  wait_port "$IMAP_PORT" || die "dovecot is not answering on 127.0.0.1:$IMAP_PORT"
  say "up in $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}') s: SMTP 127.0.0.1:$SMTP_PORT, IMAP 127.0.0.1:$IMAP_PORT, state $STATE"
  say "mailboxes: {$(echo $USERS | tr ' ' ,)}@{$(echo $DOMAINS | tr ' ' ,)}, password $PASS"
}

stop_pid() { # pid name
  local p=$1 i kids; kids=$(ps -o pid= --ppid "$p" 2>/dev/null || true)
  kill -TERM "$p" 2>/dev/null || true
  for i in $(seq 1 100); do
    local left=0 k; for k in "$p" $kids; do if pid_alive "$k"; then left=1; fi; done
    [ $left = 0 ] && { say "$2 stopped (pid $p)"; return 0; }
    sleep 0.1
  done
  say "$2 (pid $p) still running after 10 s"
}

cmd_down() {
  need_root
  if dovecot_ours; then stop_pid "$(dovecot_pid)" dovecot; else say "dovecot: nothing started by mailstack.sh runs"; fi
  rm -f "$STATE/dovecot.started"
  if postfix_ours; then
    local p; p=$(postfix_pid)
    postfix -c "$PF" stop >/dev/null 2>&1 || true
    stop_pid "$p" postfix
  else
    say "postfix: nothing started by mailstack.sh runs"
  fi
  rm -f "$STATE/postfix.started"
}

cmd_status() {
  local rc=0
  if postfix_ours; then say "postfix: running, pid $(postfix_pid), SMTP 127.0.0.1:$SMTP_PORT"; else say "postfix: stopped"; rc=3; fi
  if dovecot_ours; then say "dovecot: running, pid $(dovecot_pid), IMAP 127.0.0.1:$IMAP_PORT"; else say "dovecot: stopped"; rc=3; fi
  say "state $STATE, logs $LOG/postfix.log $LOG/dovecot.log"
  return $rc
}

cmd_clear() {
  need_root
  dovecot_ours || die "dovecot is not running (scripts/mailstack.sh up)"
  local d u
  for d in $DOMAINS; do for u in $USERS; do
    doveadm -c "$DCONF" expunge -u "$u@$d" mailbox '*' all 2>/dev/null || true
  done; done
  say "every mailbox emptied"
}

cmd_env() {
  echo "export TEST_SMTP_URL=smtp://127.0.0.1:$SMTP_PORT"
  echo "export TEST_SMTP_HOST=127.0.0.1 TEST_SMTP_PORT=$SMTP_PORT"
  echo "export TEST_IMAP_HOST=127.0.0.1 TEST_IMAP_PORT=$IMAP_PORT"
  echo "export TEST_IMAP_PASS=$PASS"
  echo "export TEST_MAIL_USERS='$(for d in $DOMAINS; do for u in $USERS; do printf '%s@%s ' "$u" "$d"; done; done | sed 's/ $//')'"
  echo "export TEST_MAILSTACK=$(cd "$(dirname "$0")" && pwd)/mailstack.sh"
  # so that `$TEST_MAILSTACK sieve|uidvalidity|count|status` from a test finds this instance
  echo "export MAILSTACK_DIR=$STATE MAILSTACK_SMTP_PORT=$SMTP_PORT MAILSTACK_IMAP_PORT=$IMAP_PORT"
}

user_home() { # address -> maildir home, or die
  local a="${1,,}" u d; u="${a%@*}"; d="${a#*@}"
  [[ " $USERS " = *" $u "* && " $DOMAINS " = *" $d "* ]] || die "$1 is not a mailbox of the test stack"
  echo "$MAIL/$d/$u"
}

cmd_sieve() {
  need_root
  local home; home=$(user_home "${1:-}")
  local script; script=$(cat)
  rm -f "$home/.dovecot.sieve" "$home/.dovecot.svbin"
  if [ -n "$script" ]; then
    printf '%s\n' "$script" >"$home/.dovecot.sieve"
    chown "$VUSER:$VUSER" "$home/.dovecot.sieve"
    sievec -c "$DCONF" "$home/.dovecot.sieve" 2>&1 || die "that Sieve script does not compile"
    chown "$VUSER:$VUSER" "$home/.dovecot.svbin" 2>/dev/null || true
    say "sieve script set for $1"
  else
    say "sieve script removed for $1"
  fi
}

cmd_count() {
  dovecot_ours || die "dovecot is not running (scripts/mailstack.sh up)"
  doveadm -c "$DCONF" -f flow mailbox status -u "${1:-}" messages INBOX | sed 's/.*messages=//'
}

cmd_uidvalidity() { # address value: what a server restore or rebuild does to a mailbox
  need_root
  dovecot_ours || die "dovecot is not running (scripts/mailstack.sh up)"
  user_home "${1:-}" >/dev/null
  [[ "${2:-}" =~ ^[1-9][0-9]{0,9}$ ]] || die "uidvalidity must be a number from 1 to 4294967295, got '${2:-}'"
  doveadm -c "$DCONF" mailbox update -u "$1" --uid-validity "$2" INBOX
  say "INBOX of $1 now has UIDVALIDITY $2"
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  clear) cmd_clear ;;
  env) cmd_env ;;
  sieve) shift; cmd_sieve "$@" ;;
  count) shift; cmd_count "$@" ;;
  uidvalidity) shift; cmd_uidvalidity "$@" ;;
  *) echo "usage: $0 up|down|status|clear|env|sieve ADDRESS|count ADDRESS|uidvalidity ADDRESS N" >&2; exit 2 ;;
esac
