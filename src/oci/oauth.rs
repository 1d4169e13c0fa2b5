//! Docker's identity tokens (OAuth2 refresh tokens, what `docker login` keeps for registries
//! that hand them out) exchanged at the registry's token server for an access token per
//! repository, as docker does. Written by hand: oci-client only sends basic credentials or a
//! bearer token it is given.

use std::time::{Duration, Instant};

use oci_client::RegistryOperation;
use oci_client::secrets::RegistryAuth;

use super::registry::Registry;
use crate::ir::ImageRef;

/// How long before its end an access token is exchanged again.
const MARGIN: Duration = Duration::from_secs(30);

/// An access token and when it stops working.
#[derive(Clone)]
pub(super) struct Access {
    token: String,
    until: Instant,
}

/// The token server's answer (docker's registries send `token`, OAuth2 servers `access_token`).
#[derive(serde::Deserialize)]
struct Granted {
    #[serde(default)]
    access_token: String,
    #[serde(default)]
    token: String,
    /// Seconds; OAuth2 says 60 when the server does not.
    expires_in: Option<u64>,
}

impl Registry {
    /// A bearer token for pulling from and pushing to `image`'s repository, exchanged for the
    /// identity token `refresh` (once per repository until it nears its end) and handed to
    /// oci-client's token cache, so its own calls use it too.
    pub(super) fn access_token(&self, image: &ImageRef, refresh: &str) -> Result<RegistryAuth, String> {
        let reference: oci_client::Reference = image.to_string().parse().map_err(|e| format!("{e}"))?;
        let key = repository_key(image);
        let cached = self.access.lock().ok().and_then(|a| a.get(&key).cloned()).filter(|a| a.until > Instant::now() + MARGIN);
        let access = match cached {
            Some(access) => access,
            None => {
                let access = self.exchange(image, &reference, refresh)?;
                if let Ok(mut all) = self.access.lock() {
                    all.insert(key, access.clone());
                }
                access
            }
        };
        let auth = RegistryAuth::Bearer(access.token);
        for operation in [RegistryOperation::Pull, RegistryOperation::Push] {
            self.block_on(self.client.auth(&reference, &auth, operation)).map_err(|e| format!("{e}"))?;
        }
        Ok(auth)
    }

    /// Drops the access token kept for `image`'s repository (the registry refused it), so the
    /// next `access_token` exchanges the identity token again.
    pub(super) fn forget_access(&self, image: &ImageRef) {
        if let Ok(mut all) = self.access.lock() {
            all.remove(&repository_key(image));
        }
    }

    /// Asks the token server the registry names (in its 401 challenge) for an access token,
    /// presenting the refresh token with OAuth2's `refresh_token` grant.
    fn exchange(&self, image: &ImageRef, reference: &oci_client::Reference, refresh: &str) -> Result<Access, String> {
        let http = self.http()?;
        let ping = format!("{}/v2/", self.base_url(reference));
        let answer = self.block_on(async { http.get(&ping).send().await }).map_err(|e| format!("reaching {ping}: {e}"))?;
        let header = answer.headers().get(reqwest::header::WWW_AUTHENTICATE).and_then(|h| h.to_str().ok()).unwrap_or("");
        let (realm, service) = bearer_challenge(header).ok_or_else(|| {
            format!("docker's credentials for {} are an identity token, but the registry asks for no bearer token", image.registry)
        })?;
        let scope = format!("repository:{}:pull,push", image.repository);
        let mut form = vec![("grant_type", "refresh_token"), ("refresh_token", refresh), ("scope", &scope), ("client_id", "mpbake")];
        if let Some(service) = service.as_deref() {
            form.push(("service", service));
        }
        let started = Instant::now();
        let reply = self.block_on(async {
            let response = http.post(&realm).form(&form).send().await?;
            let status = response.status();
            Ok::<_, reqwest::Error>((status, response.bytes().await?))
        });
        let (status, body) = reply.map_err(|e| format!("exchanging the identity token at {realm}: {e}"))?;
        if !status.is_success() {
            return Err(format!(
                "the token server at {realm} refused the identity token ({status}); log in again (`docker login {}`)",
                image.registry
            ));
        }
        let granted: Granted =
            serde_json::from_slice(&body).map_err(|e| format!("the token server at {realm} answered something else than a token: {e}"))?;
        let token = if granted.access_token.is_empty() { granted.token } else { granted.access_token };
        if token.is_empty() {
            return Err(format!("the token server at {realm} answered without a token"));
        }
        Ok(Access { token, until: started + Duration::from_secs(granted.expires_in.unwrap_or(60)) })
    }
}

/// Where a repository's access token is kept.
fn repository_key(image: &ImageRef) -> String {
    format!("{}/{}", image.registry, image.repository)
}

/// The realm and service of a `WWW-Authenticate: Bearer …` header.
fn bearer_challenge(header: &str) -> Option<(String, Option<String>)> {
    let challenges = http_auth::parse_challenges(header).ok()?;
    let bearer = challenges.iter().find(|c| c.scheme.eq_ignore_ascii_case("bearer"))?;
    let param = |name: &str| bearer.params.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.to_unescaped());
    Some((param("realm")?, param("service")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_challenges_name_realm_and_service() {
        let header = r#"Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a:pull""#;
        assert_eq!(bearer_challenge(header), Some(("https://auth.example/token".into(), Some("registry.example".into()))));
        assert_eq!(bearer_challenge(r#"Basic realm="registry""#), None);
        assert_eq!(bearer_challenge(r#"Bearer service="no-realm""#), None);
    }
}
