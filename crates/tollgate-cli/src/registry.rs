//! Wiring of registry access: `tollgate image NAME`, `db push`, `db update`.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result};
use clap::Args;
use tollgate_image::registry_client::{parse_duration, Client, ClientOptions, Credentials};

use crate::{cache_dir, db_dir, ScanArgs};

/// How to reach a registry.
#[derive(Args, Clone)]
pub(crate) struct ConnArgs {
    /// Registry user name (else ~/.docker/config.json).
    #[arg(long, env = "TOLLGATE_USERNAME")]
    username: Option<String>,
    /// Registry password or token.
    #[arg(long, env = "TOLLGATE_PASSWORD", hide_env_values = true)]
    password: Option<String>,
    /// Plain HTTP for any registry (loopback registries use it without this flag).
    #[arg(long)]
    insecure: bool,
    /// Network timeout for connecting and for each read (`30s`, `5m`).
    #[arg(long, default_value = "60s")]
    timeout: String,
    /// Print each registry request and their count.
    #[arg(long)]
    debug: bool,
}

/// Registry flags of `tollgate image NAME`.
#[derive(Args, Clone)]
pub(crate) struct RegistryArgs {
    /// Platform to pick from a multi-platform image: os/arch[/variant] (default: this machine's).
    #[arg(long)]
    platform: Option<String>,
    #[command(flatten)]
    conn: ConnArgs,
}

/// `tollgate db push`.
#[derive(Args)]
pub(crate) struct DbPushArgs {
    /// DB directory holding tollgate.db.
    db_dir: PathBuf,
    /// Where to push: registry/repository[:tag].
    reference: String,
    #[command(flatten)]
    conn: ConnArgs,
}

/// `tollgate db update`.
#[derive(Args)]
pub(crate) struct DbUpdateArgs {
    /// Repositories to pull the DB from, tried in order (REF[,REF...]).
    #[arg(
        long,
        env = "TOLLGATE_DB_REPOSITORY",
        value_delimiter = ',',
        required = true
    )]
    db_repository: Vec<String>,
    /// DB directory to update (default: CACHE_DIR/db).
    #[arg(long)]
    db: Option<PathBuf>,
    /// Cache directory.
    #[arg(long, env = "TOLLGATE_CACHE_DIR")]
    cache_dir: Option<PathBuf>,
    #[command(flatten)]
    conn: ConnArgs,
}

fn client(c: &ConnArgs) -> Result<Client> {
    let timeout = parse_duration(&c.timeout).with_context(|| {
        format!(
            "--timeout {:?}: give a duration such as 30s, 2m or 1m30s",
            c.timeout
        )
    })?;
    let credentials = match (&c.username, &c.password) {
        (Some(u), Some(p)) => Some(Credentials {
            username: u.clone(),
            password: p.clone(),
        }),
        (None, None) => None,
        _ => anyhow::bail!(
            "--username and --password (or TOLLGATE_USERNAME and TOLLGATE_PASSWORD) go together: give both"
        ),
    };
    Ok(Client::new(ClientOptions {
        credentials,
        insecure: c.insecure,
        timeout,
        debug: c.debug,
        ..Default::default()
    }))
}

fn report_requests(c: &ConnArgs, client: &Client) {
    if c.debug {
        eprintln!("tollgate: debug: {} registry request(s)", client.requests());
    }
}

/// `tollgate image NAME`: the image is read from its registry.
pub(crate) fn scan_image(name: &str, a: &ScanArgs, r: &RegistryArgs) -> Result<u8> {
    // Bad flags and a missing DB fail before the registry is asked anything.
    let prep = crate::scan::prepare(a)?;
    let cache = cache_dir(a.cache_dir.as_deref())?;
    let client = Arc::new(client(&r.conn)?);
    let opts = tollgate_image::OpenOptions {
        platform: r.platform.clone(),
        ..Default::default()
    };
    let res = tollgate_image::open_registry(client.clone(), name, &opts)
        .map_err(anyhow::Error::from)
        .and_then(|source| {
            crate::scan::run(
                &prep,
                &source,
                name,
                "container_image",
                a,
                &cache,
                tollgate_analyze::ScanMode::Image,
            )
        });
    report_requests(&r.conn, &client);
    res
}

/// `tollgate db push DB_DIR REF`.
pub(crate) fn db_push(a: &DbPushArgs) -> Result<u8> {
    let client = client(&a.conn)?;
    let s = tollgate_db::distribute::push(&client, &a.db_dir, &a.reference);
    report_requests(&a.conn, &client);
    let s = s?;
    eprintln!(
        "tollgate: pushed {} ({} bytes, {} compressed) to {}@{}",
        a.db_dir.join(tollgate_db::store::DB_FILE).display(),
        s.db_size,
        s.compressed_size,
        s.reference,
        s.digest
    );
    Ok(0)
}

/// `tollgate db update --db-repository REF[,REF...]`.
pub(crate) fn db_update(a: &DbUpdateArgs) -> Result<u8> {
    let client = client(&a.conn)?;
    let dir = db_dir(a.db.as_deref(), a.cache_dir.as_deref())?;
    let s = tollgate_db::distribute::update(&client, &dir, &a.db_repository);
    report_requests(&a.conn, &client);
    let s = s?;
    for w in &s.skipped {
        eprintln!("tollgate: warning: {w}; tried the next repository");
    }
    if s.downloaded {
        eprintln!(
            "tollgate: DB updated from {}@{} into {}",
            s.reference,
            s.digest,
            dir.display()
        );
    } else {
        eprintln!(
            "tollgate: DB in {} is already {}@{}",
            dir.display(),
            s.reference,
            s.digest
        );
    }
    Ok(0)
}
