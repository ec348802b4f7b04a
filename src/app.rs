//! Everything one sessui process needs, opened once: paths, config, database,
//! hosts and the manager over them.

use std::sync::Arc;

use crate::config::Config;
use crate::host::{Host, Local};
use crate::manager::{HostFactory, Manager};
use crate::paths::Paths;
use crate::store::Store;

pub struct App {
    pub paths: Paths,
    pub config: Config,
    pub manager: Arc<Manager>,
}

impl App {
    /// Reads the environment and config, opens the database, sets up hosts.
    pub fn open() -> Result<App, String> {
        let paths = Paths::from_env().map_err(|e| e.to_string())?;
        let config = Config::load(&paths.config_file()).map_err(|e| e.to_string())?;
        App::open_with(paths, config)
    }

    pub fn open_with(paths: Paths, config: Config) -> Result<App, String> {
        paths.create_all().map_err(|e| {
            format!(
                "cannot create sessui's directories under {}: {e}",
                paths.data_dir.display()
            )
        })?;
        crate::logging::to_file(&paths.log_dir().join("sessui.log"));
        let store = Store::open_with(&paths.db_file(), config.timeouts.db_busy)
            .map_err(|e| e.to_string())?;
        let local: Arc<dyn Host> =
            Arc::new(Local::new(paths.clone(), config.timeouts.job_backstop));
        let factory: Option<Arc<dyn HostFactory>> = remote_hosts(&paths, &config);
        let manager =
            Manager::new(store, config.clone(), vec![local], factory).map_err(|e| e.to_string())?;
        Ok(App {
            paths,
            config,
            manager: Arc::new(manager),
        })
    }
}

/// The factory for SSH hosts, once that layer exists.
fn remote_hosts(_paths: &Paths, _config: &Config) -> Option<Arc<dyn HostFactory>> {
    None
}
