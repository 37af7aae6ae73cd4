//! The burn device a model trains and runs on, chosen by its configured name. Both the
//! sentiment model and the risk MLP run on burn; neither owns the choice, so it sits here,
//! below both.

use crate::{Error, Result};
use burn::tensor::Device;
use vigil_text::DeviceName;

/// The burn device for a configured device name: `flex` (CPU) always; `wgpu` only in a vigil
/// built with `--features wgpu` (otherwise a usage error, exit 2).
pub fn burn_device(name: DeviceName) -> Result<Device> {
    match name {
        DeviceName::Flex => Ok(Device::flex()),
        #[cfg(feature = "wgpu")]
        DeviceName::Wgpu => Ok(Device::wgpu(burn::tensor::DeviceKind::DefaultDevice)),
        #[cfg(not(feature = "wgpu"))]
        DeviceName::Wgpu => Err(Error::Usage(
            "device wgpu needs a vigil built with `--features wgpu`; use flex (CPU)".into(),
        )),
    }
}
