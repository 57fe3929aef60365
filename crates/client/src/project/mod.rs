//! The iExec SDK's project files, read and written exactly as the SDK does, so that an existing
//! iExec project folder works unchanged with Poco and the other way round:
//!
//! - [`iexec_conf`]: iexec.json, what to deploy and the order templates to sign;
//! - [`deployed`]: deployed.json, what was deployed, per chain;
//! - [`orders_file`]: orders.json, the signed orders, per chain;
//! - chain.json is in [`crate::chains`].
//!
//! Every function takes the project directory; nothing assumes the working directory. Files are
//! written atomically (temporary file in the same directory, flushed, renamed) in the SDK's layout
//! (`JSON.stringify(obj, null, 2)`: two-space indent, JavaScript's key order, no trailing
//! newline), keeping the keys Poco does not know. [`json`] holds the JavaScript-faithful JSON
//! this needs, [`fields`] the SDK's readings of numbers, amounts, tags and addresses, [`params`]
//! the SDK's normalization of request params, [`templates`] the SDK's default contents.

pub mod deployed;
pub mod fields;
pub mod fs;
pub mod iexec_conf;
pub mod json;
pub mod order_templates;
pub mod orders_file;
pub mod params;
pub mod templates;

pub use deployed::{DEPLOYED_FILE, Deployed, Resource, record};
pub use iexec_conf::{
    AppConf, CategoryConf, DatasetConf, IEXEC_FILE, IExecConf, Section, WorkerpoolConf, init_order,
    init_project, init_section,
};
pub use json::{JsonObject, JsonValue};
pub use order_templates::{
    app_order_from_template, dataset_order_from_template, request_order_from_template,
    workerpool_order_from_template,
};
pub use orders_file::{ORDERS_FILE, OrdersFile, load_signed, save_signed};
pub use params::sdk_request_params;
