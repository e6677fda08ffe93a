//! The NATS server and credentials options shared by `lcc peer` and `lcc
//! datacentre` (docs/distributed.md, Security), and the one way both turn
//! them into connection options.

use std::path::PathBuf;

use clap::Args;

/// Which NATS server to reach, as whom, over which TLS.
#[derive(Debug, Args)]
pub struct NatsConnectionArgs {
    /// The NATS server, e.g. `nats://127.0.0.1:4222` (`tls://` for TLS).
    #[arg(long, value_name = "URL")]
    pub nats: String,
    /// NATS user name; the password is read from the environment variable
    /// `LCC_NATS_PASSWORD`.
    #[arg(long, value_name = "USER", conflicts_with_all = ["nkey", "creds"])]
    user: Option<String>,
    /// A file holding the NATS nkey seed of this process (`SU...`, as `nk -gen user` writes it).
    #[arg(long, value_name = "FILE", conflicts_with = "creds")]
    nkey: Option<PathBuf>,
    /// A NATS credentials file (user JWT and nkey seed, for servers in operator/JWT mode).
    #[arg(long, value_name = "FILE")]
    creds: Option<PathBuf>,
    /// PEM file of the certificate authorities that sign the server's
    /// certificate (TLS is required then).
    #[arg(long, value_name = "FILE")]
    tls_ca: Option<PathBuf>,
    /// PEM file of this process's client certificate, for servers that verify
    /// clients (with --tls-key).
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// PEM file of the client certificate's private key (with --tls-cert).
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
}

#[cfg(feature = "nats")]
impl NatsConnectionArgs {
    /// The connection options: credentials read now (the password from
    /// `LCC_NATS_PASSWORD`, the seed from the `--nkey` file), replies asked
    /// for under `inbox_prefix` (e.g. `_INBOX.pm1`, so the server can confine
    /// each client's subscriptions), directory heartbeats every `heartbeat`
    /// (peers only). The error is a one-line message naming the option.
    pub fn options(
        &self,
        inbox_prefix: Option<String>,
        heartbeat: std::time::Duration,
    ) -> Result<lcc_eval::nats::NatsOptions, String> {
        use lcc_eval::nats::{NatsAuth, NatsOptions, NatsTls};

        let auth = if let Some(user) = &self.user {
            match std::env::var("LCC_NATS_PASSWORD") {
                Ok(password) => NatsAuth::Password {
                    user: user.clone(),
                    password,
                },
                Err(_) => return Err("--user needs the password in the environment variable LCC_NATS_PASSWORD".into()),
            }
        } else if let Some(path) = &self.nkey {
            let text = std::fs::read_to_string(path).map_err(|e| format!("--nkey {}: {e}", path.display()))?;
            match text.split_whitespace().find(|word| word.starts_with("SU")) {
                Some(seed) => NatsAuth::Nkey(seed.to_string()),
                None => return Err(format!("--nkey {}: no user seed (SU...) in the file", path.display())),
            }
        } else if let Some(path) = &self.creds {
            NatsAuth::CredentialsFile(path.clone())
        } else {
            NatsAuth::Anonymous
        };
        Ok(NatsOptions {
            url: self.nats.clone(),
            auth,
            tls: NatsTls {
                ca: self.tls_ca.clone(),
                client: self.tls_cert.clone().zip(self.tls_key.clone()),
            },
            inbox_prefix,
            heartbeat,
        })
    }
}
