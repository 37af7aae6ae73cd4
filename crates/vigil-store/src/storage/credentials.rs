//! Credentials check for cloud stores, before any request.
//!
//! Without credentials object_store falls back to the platform's metadata service
//! (169.254.169.254 on AWS and GCP, IMDS on Azure). Outside a cloud VM that ends in a
//! timeout and an unrelated message, and an operator who forgot the keys deserves a clear
//! error. So unless `[storage] credentials = "instance"` opts in, a store must be given one
//! of the credential kinds its builder knows, in the environment or `[storage.options]`.

use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey as S3};
use object_store::azure::{AzureConfigKey as Az, MicrosoftAzureBuilder};
use object_store::gcp::{GoogleCloudStorageBuilder, GoogleConfigKey as Gcs};
use serde::Deserialize;

/// Where cloud stores may take credentials from (`[storage] credentials`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CredentialSource {
    /// Only credentials given in the environment (`AWS_*`, `GOOGLE_*`, `AZURE_*`) or in
    /// `[storage.options]`: keys, tokens, token files, service-account files, SAS, the
    /// emulator flag or `*_skip_signature`. Without any, opening an `s3://`, `gs://` or
    /// `az://` location fails before any request (exit 2).
    #[default]
    Configured,
    /// Also the platform's ambient identity when nothing is configured: the EC2/ECS
    /// instance metadata service, the GCE metadata server, Azure managed identity.
    Instance,
}

/// `[storage.options]` keys vigil accepts: every key object_store's S3, GCS or Azure builder
/// or its HTTP client understands (`aws_*`, `google_*`, `azure_*`, `allow_http`, `timeout`,
/// …). A config may hold keys for several clouds (inputs on one, outputs on another); each
/// store takes the keys of its own scheme.
pub fn is_store_option(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    key.parse::<S3>().is_ok() || key.parse::<Gcs>().is_ok() || key.parse::<Az>().is_ok()
}

/// What to set when an S3 store has no credentials.
pub(super) const S3_HINT: &str = "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or \
    [storage.options] aws_access_key_id / aws_secret_access_key), AWS_WEB_IDENTITY_TOKEN_FILE with \
    AWS_ROLE_ARN, AWS_CONTAINER_CREDENTIALS_RELATIVE_URI, or aws_skip_signature = \"true\" for a \
    public bucket; or [storage] credentials = \"instance\" to use the instance metadata service";
/// What to set when a GCS store has no credentials.
pub(super) const GCS_HINT: &str = "set GOOGLE_SERVICE_ACCOUNT (a service-account file), \
    GOOGLE_SERVICE_ACCOUNT_KEY, GOOGLE_APPLICATION_CREDENTIALS (or the same [storage.options] \
    google_… keys), or google_skip_signature = \"true\"; or [storage] credentials = \"instance\" \
    to use the GCE metadata server";
/// What to set when an Azure store has no credentials.
pub(super) const AZURE_HINT: &str = "set AZURE_STORAGE_ACCOUNT_KEY, AZURE_STORAGE_SAS_KEY, \
    AZURE_STORAGE_TOKEN, AZURE_CLIENT_ID with AZURE_CLIENT_SECRET and AZURE_TENANT_ID (or a \
    federated token file), azure_use_azure_cli, azure_storage_use_emulator (Azurite) or \
    azure_skip_signature (or the same [storage.options] keys); or [storage] credentials = \
    \"instance\" to use managed identity";

fn set(value: Option<String>) -> bool {
    value.is_some_and(|v| !v.trim().is_empty())
}

/// Whether a boolean option is set to a true value (as object_store parses booleans).
pub(super) fn truthy(value: Option<String>) -> bool {
    value.is_some_and(|v| {
        matches!(
            v.trim().to_ascii_lowercase().as_str(),
            "1" | "true" | "on" | "yes" | "y"
        )
    })
}

/// Whether an S3 builder was given credentials (static keys, web identity, container
/// credentials, or an unsigned public bucket).
pub(super) fn s3_has(b: &AmazonS3Builder) -> bool {
    let get = |k: S3| b.get_config_value(&k);
    // One key without the other is a configuration the builder rejects with its own message.
    set(get(S3::AccessKeyId))
        || set(get(S3::SecretAccessKey))
        || (set(get(S3::WebIdentityTokenFile)) && set(get(S3::RoleArn)))
        || set(get(S3::ContainerCredentialsRelativeUri))
        || (set(get(S3::ContainerCredentialsFullUri)) && set(get(S3::ContainerAuthorizationTokenFile)))
        || truthy(get(S3::SkipSignature))
}

/// Whether a GCS builder was given credentials (a service account, application default
/// credentials — also the gcloud well-known file — or an unsigned public bucket).
pub(super) fn gcs_has(b: &GoogleCloudStorageBuilder) -> bool {
    let get = |k: Gcs| b.get_config_value(&k);
    set(get(Gcs::ServiceAccount))
        || set(get(Gcs::ServiceAccountKey))
        || set(get(Gcs::ApplicationCredentials))
        || truthy(get(Gcs::SkipSignature))
        || gcloud_well_known_file()
}

/// The file `gcloud auth application-default login` writes, which object_store reads
/// when no other credentials are given.
fn gcloud_well_known_file() -> bool {
    std::env::var_os("HOME").is_some_and(|home| {
        std::path::Path::new(&home)
            .join(".config/gcloud/application_default_credentials.json")
            .is_file()
    })
}

/// Whether an Azure builder was given credentials (account key, SAS, bearer token, a client
/// secret or federated token, Azure CLI, Fabric tokens, the emulator, or no signing).
pub(super) fn azure_has(b: &MicrosoftAzureBuilder) -> bool {
    let get = |k: Az| b.get_config_value(&k);
    set(get(Az::AccessKey))
        || set(get(Az::SasKey))
        || set(get(Az::Token))
        || (set(get(Az::ClientId)) && set(get(Az::ClientSecret)) && set(get(Az::AuthorityId)))
        || (set(get(Az::ClientId)) && set(get(Az::FederatedTokenFile)) && set(get(Az::AuthorityId)))
        || set(get(Az::FabricSessionToken))
        || truthy(get(Az::UseAzureCli))
        || truthy(get(Az::UseEmulator))
        || truthy(get(Az::SkipSignature))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_options_of_every_cloud_and_the_client_are_known() {
        for key in [
            "aws_access_key_id",
            "AWS_SECRET_ACCESS_KEY",
            "aws_endpoint",
            "aws_allow_http",
            "aws_conditional_put",
            "aws_skip_signature",
            "google_service_account",
            "azure_storage_account_name",
            "azure_storage_use_emulator",
            "allow_http",
            "timeout",
            "connect_timeout",
        ] {
            assert!(is_store_option(key), "{key}");
        }
        for key in ["aws_secret_acess_key", "endpoint_url_typo", "retries", ""] {
            assert!(!is_store_option(key), "{key}");
        }
    }
}
