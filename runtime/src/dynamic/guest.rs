//! Guests called by name: what every generated guest implements
//! ([`DynGuest`]) and the generated table of them ([`GuestEntry`]).

use crate::error::Error;
use crate::instance::handle::Instance;
use crate::module::GuestInfo;
use crate::runtime::Runtime;
use crate::value::Value;

/// A generated guest, called by name.
pub trait DynGuest: Send {
    fn info(&self) -> &'static GuestInfo;
    fn instance(&mut self) -> &mut Instance;
    /// Calls a function by export or method name with dynamic values.
    fn call_dynamic(&mut self, function: &str, args: &[Value]) -> Result<Vec<Value>, Error>;
}

/// One entry of the generated `GUESTS` table.
pub struct GuestEntry {
    pub info: &'static GuestInfo,
    pub instantiate: fn(&Runtime) -> Result<Box<dyn DynGuest>, Error>,
}
