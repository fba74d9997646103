//! A real PostgreSQL for the tests: a cluster of its own per test (Debian's `postgresql` package:
//! `initdb` and `postgres` under /usr/lib/postgresql/*/bin), made with `initdb` in a temporary
//! directory as the unprivileged user `nobody` (PostgreSQL refuses to run as root), served by
//! `postgres` as a child process on a unix socket in that directory (no TCP unless asked), and
//! killed — with every backend — when dropped. It is started directly rather than through
//! `pg_ctl` so that a test can `kill -9` it and start it again on the same data directory.
//!
//! The stores of a test are databases of its cluster: [`Backend`] gives each test its `--db`
//! values and a way to look inside, whichever engine it runs on.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The directory of Debian's PostgreSQL binaries (the newest installed version).
pub fn pg_bin() -> PathBuf {
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|d| d.path().join("bin"))
        .filter(|b| b.join("initdb").exists() && b.join("postgres").exists())
        .collect();
    found.sort_by_key(|p| {
        p.parent()
            .and_then(|v| v.file_name())
            .and_then(|v| v.to_str())
            .and_then(|v| v.parse::<u32>().ok())
            .unwrap_or(0)
    });
    found.pop().expect(
        "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): `apt-get install postgresql` (.ci/run does)",
    )
}

/// Runs `cmd` as `nobody` when we are root (PostgreSQL refuses root), else as we are.
fn as_unprivileged(program: &Path) -> Command {
    if rustix::process::geteuid().is_root() {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=nobody", "--regid=nogroup", "--clear-groups", "--"])
            .arg(program);
        c
    } else {
        Command::new(program)
    }
}

/// One PostgreSQL cluster of a test.
pub struct Pg {
    dir: tempfile::TempDir,
    child: Option<Child>,
    /// Extra `-c name=value` settings of the server.
    settings: Vec<String>,
    /// The port (of the socket file name, and of TCP when the server listens on it).
    pub port: u16,
}

impl Pg {
    /// `initdb` and start a cluster, listening on a unix socket only; waits (bounded) until it
    /// accepts connections.
    pub fn start() -> Pg {
        Pg::start_with(&[])
    }

    /// As [`Pg::start`], with more server settings (`name=value`).
    pub fn start_with(settings: &[&str]) -> Pg {
        let dir = tempfile::tempdir().unwrap();
        if rustix::process::geteuid().is_root() {
            let st = Command::new("chown")
                .args(["nobody:nogroup"])
                .arg(dir.path())
                .status()
                .unwrap();
            assert!(st.success(), "chown of the cluster directory");
        }
        let bin = pg_bin();
        let out = as_unprivileged(&bin.join("initdb"))
            .args([
                "-A",
                "trust",
                "-U",
                "vouch",
                "-E",
                "UTF8",
                "--no-sync",
                "-D",
            ])
            .arg(dir.path().join("data"))
            .env("LC_ALL", "C")
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "initdb: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mut pg = Pg {
            dir,
            child: None,
            settings: settings.iter().map(|s| s.to_string()).collect(),
            port: 5432,
        };
        pg.run();
        pg
    }

    /// A cluster that also listens on 127.0.0.1 (a free port) with TLS, the fixture certificate
    /// (`test-only-tls.crt`, for `localhost` and `127.0.0.1`) as its certificate, and TCP
    /// connections accepted over TLS only (`hostssl`; `hostnossl` rejected).
    pub fn start_tls() -> Pg {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut pg = Pg::start();
        pg.kill9();
        let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        let data = pg.data_dir();
        for (from, to) in [
            ("test-only-tls.crt", "server.crt"),
            ("test-only-tls.key", "server.key"),
        ] {
            std::fs::copy(fixtures.join(from), data.join(to)).unwrap();
            let st = Command::new("chmod")
                .args(["0600"])
                .arg(data.join(to))
                .status()
                .unwrap();
            assert!(st.success());
            if rustix::process::geteuid().is_root() {
                let st = Command::new("chown")
                    .args(["nobody:nogroup"])
                    .arg(data.join(to))
                    .status()
                    .unwrap();
                assert!(st.success());
            }
        }
        std::fs::write(
            data.join("pg_hba.conf"),
            "local all all trust\nhostssl all all 127.0.0.1/32 trust\nhostnossl all all 127.0.0.1/32 reject\n",
        )
        .unwrap();
        pg.port = port;
        pg.settings = vec![
            "listen_addresses=127.0.0.1".into(),
            "ssl=on".into(),
            "ssl_cert_file=server.crt".into(),
            "ssl_key_file=server.key".into(),
        ];
        pg.run();
        pg
    }

    /// The directory of the unix socket (the `host` of connection strings).
    pub fn socket_dir(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }

    /// The data directory.
    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// Starts `postgres` on the data directory (in a process group of its own; its backends are
    /// killed by [`Pg::kill9`]) and waits until it accepts connections. A start right after a
    /// `kill -9` is retried while the old server's shared memory is still held (bounded).
    fn run(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let log = std::fs::File::create(self.dir.path().join("server.log")).unwrap();
            let mut cmd = as_unprivileged(&pg_bin().join("postgres"));
            cmd.arg("-D")
                .arg(self.data_dir())
                .args(["-p", &self.port.to_string()])
                .arg("-k")
                .arg(self.dir.path())
                .args(["-c", "listen_addresses=", "-c", "max_connections=100"])
                .args(["-c", "shared_buffers=16MB"]);
            for s in &self.settings {
                cmd.args(["-c", s]);
            }
            std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
            let mut child = cmd
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(log)
                .env("LC_ALL", "C")
                .spawn()
                .unwrap();
            loop {
                if let Some(st) = child.try_wait().unwrap() {
                    let log = std::fs::read_to_string(self.dir.path().join("server.log"))
                        .unwrap_or_default();
                    assert!(Instant::now() < deadline, "postgres exited ({st}): {log}");
                    std::thread::sleep(Duration::from_millis(200));
                    break;
                }
                if self.connect("postgres").is_ok() {
                    self.child = Some(child);
                    return;
                }
                if Instant::now() > deadline {
                    let _ = child.kill();
                    let log = std::fs::read_to_string(self.dir.path().join("server.log"))
                        .unwrap_or_default();
                    panic!("postgres did not accept connections within 60 s: {log}");
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    }

    /// `kill -9` of the server and every backend, waited for.
    pub fn kill9(&mut self) {
        if let Some(mut c) = self.child.take() {
            use rustix::process::{Pid, Signal, kill_process, kill_process_group};
            // The server leads a process group of its own (see `run`): its pid is the group's.
            let group = Pid::from_raw(i32::try_from(c.id()).unwrap()).unwrap();
            let _ = kill_process_group(group, Signal::KILL);
            let _ = c.kill();
            let _ = c.wait();
            // Every backend leads a session (and process group) of its own (PostgreSQL calls
            // setsid() in each child), so the group's kill reaches the postmaster only, and a
            // backend left alive goes on serving its connection until it notices. The backends
            // run in the data directory: they are found by that and killed, until none is left.
            let data = self.data_dir();
            let deadline = Instant::now() + Duration::from_secs(10);
            loop {
                let left = processes_in(&data);
                if left.is_empty() {
                    break;
                }
                assert!(
                    Instant::now() < deadline,
                    "PostgreSQL processes {left:?} outlived kill -9 for 10 s"
                );
                for pid in left {
                    if let Some(pid) = Pid::from_raw(pid) {
                        let _ = kill_process(pid, Signal::KILL);
                    }
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }

    /// Starts the server again on the same data directory (after [`Pg::kill9`]): crash recovery.
    pub fn restart(&mut self) {
        self.kill9();
        self.run();
    }

    /// A libpq key=value connection string to database `db` of this cluster.
    pub fn conninfo(&self, db: &str) -> String {
        format!(
            "host={} port={} user=vouch dbname={db}",
            self.dir.path().display(),
            self.port
        )
    }

    /// A `postgresql://` URL to database `db` (the socket directory percent-encoded as `host`).
    pub fn url(&self, db: &str) -> String {
        let host: String = self
            .dir
            .path()
            .display()
            .to_string()
            .bytes()
            .map(|b| match b {
                b'/' => "%2F".to_string(),
                b if b.is_ascii_alphanumeric() || b"-._~".contains(&b) => (b as char).to_string(),
                b => format!("%{b:02X}"),
            })
            .collect();
        format!("postgresql://vouch@{host}:{}/{db}", self.port)
    }

    /// A client of database `db`.
    pub fn connect(&self, db: &str) -> Result<postgres::Client, postgres::Error> {
        postgres::Client::connect(&self.conninfo(db), postgres::NoTls)
    }

    /// A client of database `db` (it must connect).
    pub fn client(&self, db: &str) -> postgres::Client {
        self.connect(db).unwrap()
    }

    /// Creates database `db` (empty).
    pub fn create_db(&self, db: &str) {
        self.client("postgres")
            .batch_execute(&format!("CREATE DATABASE \"{db}\""))
            .unwrap();
    }
}

impl Drop for Pg {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// The engine a test runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// An SQLite file in the test's directory.
    Sqlite,
    /// A database of a PostgreSQL cluster of the test's own.
    Postgres,
}

/// The stores of one test: `--db` values by name, and a look inside.
pub struct Stores {
    /// The engine.
    pub backend: Backend,
    dir: PathBuf,
    /// The cluster (PostgreSQL).
    pub pg: Option<Pg>,
    made: std::sync::Mutex<Vec<String>>,
}

/// The database name for a store name (`store.db` -> `store_db`).
pub fn db_name(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect()
}

impl Backend {
    /// The stores of a test whose files are in `dir` (PostgreSQL: a cluster is started).
    pub fn stores(self, dir: &Path) -> Stores {
        Stores {
            backend: self,
            dir: dir.to_path_buf(),
            pg: (self == Backend::Postgres).then(Pg::start),
            made: std::sync::Mutex::new(Vec::new()),
        }
    }
}

impl Stores {
    /// The `--db` value of store `name`: the file name (SQLite, relative to the test's directory),
    /// or a connection string of database `name` (created empty on first use; key=value strings
    /// and URLs alternate, so that both forms are run).
    pub fn db(&self, name: &str) -> String {
        match &self.pg {
            None => name.to_string(),
            Some(pg) => {
                let db = db_name(name);
                let mut made = self.made.lock().unwrap();
                if !made.contains(&db) {
                    pg.create_db(&db);
                    made.push(db.clone());
                }
                if made.iter().position(|d| *d == db).unwrap_or(0) % 2 == 0 {
                    pg.conninfo(&db)
                } else {
                    pg.url(&db)
                }
            }
        }
    }

    /// The `--db` value of a store that does not exist (SQLite: no file; PostgreSQL: no database).
    pub fn missing(&self, name: &str) -> String {
        match &self.pg {
            None => name.to_string(),
            Some(pg) => pg.conninfo(&db_name(name)),
        }
    }

    /// The cluster (PostgreSQL tests only).
    pub fn pg(&self) -> &Pg {
        self.pg.as_ref().expect("a PostgreSQL test")
    }

    /// The cluster, to kill and restart (PostgreSQL tests only).
    pub fn pg_mut(&mut self) -> &mut Pg {
        self.pg.as_mut().expect("a PostgreSQL test")
    }

    /// Every row of `sql` in store `name`, each value as text (`NULL` for null; SQLite blobs as
    /// UTF-8, lossily).
    pub fn rows(&self, name: &str, sql: &str) -> Vec<Vec<String>> {
        self.try_rows(name, sql)
            .unwrap_or_else(|e| panic!("{name}: {sql}: {e}"))
    }

    /// [`Stores::rows`], or the error (a store that is not there yet, a table not made yet).
    pub fn try_rows(&self, name: &str, sql: &str) -> Result<Vec<Vec<String>>, String> {
        match &self.pg {
            None => {
                let path = self.dir.join(name);
                if !path.exists() {
                    return Err("no such file".into());
                }
                let c = rusqlite::Connection::open_with_flags(
                    path,
                    rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
                )
                .map_err(|e| e.to_string())?;
                let mut st = c.prepare(sql).map_err(|e| e.to_string())?;
                let n = st.column_count();
                let rows = st
                    .query_map([], |r| {
                        use rusqlite::types::ValueRef;
                        (0..n)
                            .map(|i| {
                                Ok(match r.get_ref(i)? {
                                    ValueRef::Null => "NULL".to_string(),
                                    ValueRef::Integer(i) => i.to_string(),
                                    ValueRef::Real(f) => f.to_string(),
                                    ValueRef::Text(t) | ValueRef::Blob(t) => {
                                        String::from_utf8_lossy(t).into_owned()
                                    }
                                })
                            })
                            .collect::<Result<Vec<_>, _>>()
                    })
                    .map_err(|e| e.to_string())?;
                rows.collect::<Result<_, _>>().map_err(|e| e.to_string())
            }
            Some(pg) => {
                let mut c = pg.connect(&db_name(name)).map_err(|e| e.to_string())?;
                let msgs = c.simple_query(sql).map_err(|e| e.to_string())?;
                Ok(msgs
                    .iter()
                    .filter_map(|m| match m {
                        postgres::SimpleQueryMessage::Row(r) => Some(
                            (0..r.len())
                                .map(|i| r.get(i).unwrap_or("NULL").to_string())
                                .collect(),
                        ),
                        _ => None,
                    })
                    .collect())
            }
        }
    }

    /// Runs the statements `sql` in store `name` (a test changing a store under vouch).
    pub fn execute(&self, name: &str, sql: &str) {
        match &self.pg {
            None => rusqlite::Connection::open(self.dir.join(name))
                .and_then(|c| c.execute_batch(sql))
                .unwrap_or_else(|e| panic!("{name}: {sql}: {e}")),
            Some(pg) => pg
                .client(&db_name(name))
                .batch_execute(sql)
                .unwrap_or_else(|e| panic!("{name}: {sql}: {e}")),
        }
    }

    /// The first column of each row of `sql` in store `name`.
    pub fn column(&self, name: &str, sql: &str) -> Vec<String> {
        self.rows(name, sql)
            .into_iter()
            .map(|mut r| r.swap_remove(0))
            .collect()
    }

    /// The integer `sql` yields in store `name`.
    pub fn count(&self, name: &str, sql: &str) -> i64 {
        self.column(name, sql)
            .first()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("{sql}: no integer"))
    }

    /// The integer `sql` yields in store `name`, if it can be read now.
    pub fn try_count(&self, name: &str, sql: &str) -> Option<i64> {
        self.try_rows(name, sql)
            .ok()?
            .first()?
            .first()?
            .parse()
            .ok()
    }

    /// Every stored record's URN and envelope bytes in store `name`, in sequence order.
    pub fn envelopes(&self, name: &str) -> Vec<(String, Vec<u8>)> {
        let sql = "SELECT urn, envelope FROM provenance ORDER BY seq";
        match &self.pg {
            None => {
                let c = rusqlite::Connection::open_with_flags(
                    self.dir.join(name),
                    rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
                )
                .unwrap();
                let mut st = c.prepare(sql).unwrap();
                st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                    .unwrap()
                    .collect::<Result<_, _>>()
                    .unwrap()
            }
            Some(pg) => pg
                .client(&db_name(name))
                .query(sql, &[])
                .unwrap()
                .iter()
                .map(|r| (r.get(0), r.get(1)))
                .collect(),
        }
    }

    /// The engine's own integrity check of store `name` (SQLite: `PRAGMA integrity_check`;
    /// PostgreSQL: the B-tree indexes of the store's tables verified with amcheck).
    pub fn integrity_ok(&self, name: &str) -> bool {
        match &self.pg {
            None => self.column(name, "PRAGMA integrity_check") == ["ok"],
            Some(pg) => {
                let mut c = pg.client(&db_name(name));
                c.batch_execute("CREATE EXTENSION IF NOT EXISTS amcheck")
                    .unwrap();
                let idx: Vec<String> = c
                    .query(
                        "SELECT k.oid::regclass::text FROM pg_index i JOIN pg_class k ON k.oid = i.indexrelid
                         JOIN pg_class t ON t.oid = i.indrelid
                         WHERE t.relname IN ('provenance', 'api_keys', 'audit_log', 'vouch_meta')",
                        &[],
                    )
                    .unwrap()
                    .iter()
                    .map(|r| r.get(0))
                    .collect();
                assert!(!idx.is_empty());
                idx.iter().all(|i| {
                    c.execute("SELECT bt_index_check($1::text::regclass, true)", &[i])
                        .map_err(|e| eprintln!("amcheck {i}: {e}"))
                        .is_ok()
                })
            }
        }
    }

    /// A snapshot of everything in store `name`, to compare before and after a refused command:
    /// the files (SQLite: the database and its side files; the -shm index only by existence),
    /// or every table's rows (PostgreSQL, in a fixed order).
    pub fn snapshot(&self, name: &str) -> Vec<String> {
        match &self.pg {
            None => ["", "-wal", "-shm", "-journal"]
                .iter()
                .map(|s| {
                    let p = self.dir.join(format!("{name}{s}"));
                    let content = std::fs::read(&p).ok();
                    match (content, *s == "-shm") {
                        (None, _) => format!("{s}: none"),
                        (Some(_), true) => format!("{s}: exists"),
                        (Some(c), false) => format!("{s}: {}", super::sha256_hex(&c)),
                    }
                })
                .collect(),
            Some(pg) => {
                let mut c = match pg.connect(&db_name(name)) {
                    Ok(c) => c,
                    Err(_) => return vec!["no database".into()],
                };
                let tables: Vec<String> = c
                    .query(
                        "SELECT n.nspname || '.' || k.relname FROM pg_class k
                         JOIN pg_namespace n ON n.oid = k.relnamespace
                         WHERE k.relkind IN ('r', 'p', 'v', 'm', 'f', 'S', 'i')
                           AND n.nspname NOT IN ('pg_catalog', 'information_schema')
                           AND n.nspname NOT LIKE 'pg\\_toast%'
                         ORDER BY 1",
                        &[],
                    )
                    .unwrap()
                    .iter()
                    .map(|r| r.get(0))
                    .collect();
                let mut out = vec![format!("relations: {tables:?}")];
                for t in tables {
                    let kind: String = c
                        .query_one(
                            "SELECT relkind::text FROM pg_class WHERE oid = $1::text::regclass",
                            &[&t],
                        )
                        .unwrap()
                        .get(0);
                    if kind != "r" {
                        continue;
                    }
                    let rows = c
                        .query(
                            format!(
                                "SELECT string_agg(x::text, '|' ORDER BY x::text) FROM {t} AS x"
                            )
                            .as_str(),
                            &[],
                        )
                        .unwrap();
                    out.push(format!("{t}: {:?}", rows[0].get::<_, Option<String>>(0)));
                }
                out
            }
        }
    }
}

/// The live processes whose working directory is `dir` (a PostgreSQL server's postmaster and
/// backends all run in its data directory); a zombie has none and is not listed.
fn processes_in(dir: &Path) -> Vec<i32> {
    let Ok(dir) = dir.canonicalize() else {
        return Vec::new();
    };
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| std::fs::read_link(format!("/proc/{pid}/cwd")).is_ok_and(|c| c == dir))
        .collect()
}

/// Two test functions per name, one per backend: `sqlite::NAME` and `postgres::NAME`, each
/// calling `NAME(Backend)`.
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[test]
                fn $name() {
                    super::$name($crate::common::pg::Backend::Sqlite)
                }
            )*
        }
        mod postgres {
            $(
                #[test]
                fn $name() {
                    super::$name($crate::common::pg::Backend::Postgres)
                }
            )*
        }
    };
}
