# Sourced by the benchmarks for STORE=postgres: a PostgreSQL cluster of their own (Debian's
# `postgresql`, installed when missing), made with initdb in "$work/pg" as nobody when root
# (PostgreSQL refuses root) and served on a unix socket there only. Sets $pgbin and $pg (the
# server's pid, for the caller's cleanup); `pg_db NAME` creates a database and prints its --db.
pg_start() {
  if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  fi
  pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  chmod 755 "$work"
  mkdir "$work/pg"
  if [ "$(id -u)" = 0 ]; then
    chown nobody:nogroup "$work/pg"
    as_pg=(setpriv --reuid=nobody --regid=nogroup --clear-groups --)
  else
    as_pg=()
  fi
  "${as_pg[@]}" "$pgbin/initdb" -A trust -U vouch -E UTF8 -D "$work/pg/data" >/dev/null
  "${as_pg[@]}" "$pgbin/postgres" -D "$work/pg/data" -k "$work/pg" -c listen_addresses= \
    -c max_connections=200 2> "$work/pg/server.log" &
  pg=$!
  for _ in $(seq 100); do
    "$pgbin/pg_isready" -q -h "$work/pg" -U vouch && return 0
    sleep 0.1
  done
  cat "$work/pg/server.log" >&2
  return 1
}

pg_db() {
  "$pgbin/createdb" -h "$work/pg" -U vouch "$1"
  echo "host=$work/pg user=vouch dbname=$1"
}

pg_count() { # DB-NAME: the records in it
  "$pgbin/psql" -h "$work/pg" -U vouch -d "$1" -Atc 'SELECT count(*) FROM provenance'
}
