//! The simulator's principals and the temporary credentials issued to them.
//!
//! The lab runs as one assumed-role session (the Workshop Studio participant
//! role), the principal of the demo credentials and of those minted by
//! `POST /_labsim/credentials`. Each credential set carries its caller ARN
//! and its [`PermissionSet`]: STS AssumeRole mints sets for other sessions
//! (other roles, session policies) into the same store.

use crate::iam::PermissionSet;
use crate::rng::{SplitMix64, BASE64, UPPER_ALNUM};
use crate::time;

pub const DEMO_ACCOUNT: &str = "123456789012";
pub const DEMO_ROLE_NAME: &str = "WSParticipantRole";
pub const DEMO_SESSION_NAME: &str = "Participant";
/// Twelve hours, the usual lifetime of workshop participant credentials.
pub const DEFAULT_CREDENTIAL_TTL_SECONDS: i64 = 12 * 60 * 60;

/// Real STS session tokens start with these characters (a base64-encoded
/// binary header); copying them makes the token look right to a person and to
/// tools that sniff it.
const SESSION_TOKEN_PREFIX: &str = "IQoJb3JpZ2luX2Vj";
const SESSION_TOKEN_LEN: usize = 360;

/// An assumed-role session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub account: String,
    pub role_name: String,
    pub session_name: String,
    /// The role's unique id: `AROA` + 17 characters.
    pub role_id: String,
}

impl Principal {
    pub fn role_arn(&self) -> String {
        format!("arn:aws:iam::{}:role/{}", self.account, self.role_name)
    }

    /// The caller ARN that GetCallerIdentity reports for the session.
    pub fn arn(&self) -> String {
        format!(
            "arn:aws:sts::{}:assumed-role/{}/{}",
            self.account, self.role_name, self.session_name
        )
    }

    /// `UserId` of an assumed-role session: `{role id}:{session name}`.
    pub fn user_id(&self) -> String {
        format!("{}:{}", self.role_id, self.session_name)
    }
}

/// A set of temporary credentials.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: String,
    /// Expiry in epoch milliseconds (always a whole second).
    pub expires_at_ms: i64,
    /// What the credentials may do.
    pub permissions: PermissionSet,
    /// The caller's ARN (an assumed-role session ARN).
    pub principal_arn: String,
    /// GetCallerIdentity's `UserId` for the caller (`AROA...:session`).
    pub user_id: String,
}

/// Never prints the secret key or the session token.
impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .field("session_token", &"<redacted>")
            .field("expires_at_ms", &self.expires_at_ms)
            .field("principal_arn", &self.principal_arn)
            .field("user_id", &self.user_id)
            .finish_non_exhaustive()
    }
}

impl Credentials {
    /// `Expiration` as STS writes it: RFC 3339, UTC.
    pub fn expiration(&self) -> String {
        time::rfc3339(self.expires_at_ms)
    }

    pub fn is_expired(&self, now_ms: i64) -> bool {
        now_ms >= self.expires_at_ms
    }
}

/// The principal and every credential set issued to it.
#[derive(Debug, Clone)]
pub struct IdentityStore {
    principal: Principal,
    /// `issued[0]` is the demo set minted at start.
    issued: Vec<Credentials>,
    /// The permissions of credentials minted without their own.
    default_permissions: PermissionSet,
    rng: SplitMix64,
}

impl IdentityStore {
    /// Creates the demo principal and mints its demo credentials, valid for
    /// `ttl_seconds` from `now_ms`. The same `seed` gives the same ids and keys.
    ///
    /// The credentials get no permissions (every authorized call is
    /// denied); see [`IdentityStore::with_permissions`].
    pub fn new(seed: u64, now_ms: i64, ttl_seconds: i64) -> Self {
        Self::with_permissions(seed, now_ms, ttl_seconds, PermissionSet::default())
    }

    /// Like [`IdentityStore::new`]; the demo credentials (and others minted
    /// without their own policy) get `permissions`.
    pub fn with_permissions(
        seed: u64,
        now_ms: i64,
        ttl_seconds: i64,
        permissions: PermissionSet,
    ) -> Self {
        let mut rng = SplitMix64::new(seed);
        let principal = Principal {
            account: DEMO_ACCOUNT.to_owned(),
            role_name: DEMO_ROLE_NAME.to_owned(),
            session_name: DEMO_SESSION_NAME.to_owned(),
            role_id: format!("AROA{}", rng.string(UPPER_ALNUM, 17)),
        };
        let mut store = IdentityStore {
            principal,
            issued: Vec::new(),
            default_permissions: permissions,
            rng,
        };
        store.mint(now_ms, ttl_seconds);
        store
    }

    pub fn principal(&self) -> &Principal {
        &self.principal
    }

    /// The credentials minted at start.
    pub fn demo_credentials(&self) -> &Credentials {
        &self.issued[0]
    }

    /// Issues another credential set for the principal, expiring `ttl_seconds`
    /// after `now_ms` (zero or negative gives credentials already expired).
    pub fn mint(&mut self, now_ms: i64, ttl_seconds: i64) -> Credentials {
        let permissions = self.default_permissions.clone();
        let arn = self.principal.arn();
        let user_id = self.principal.user_id();
        self.mint_for(now_ms, ttl_seconds, permissions, arn, user_id)
    }

    /// The permissions credentials get unless minted with their own.
    pub fn default_permissions(&self) -> &PermissionSet {
        &self.default_permissions
    }

    /// Issues credentials with their own permissions, for the caller
    /// `principal_arn` with GetCallerIdentity's `user_id` (e.g. an
    /// AssumeRole session).
    pub fn mint_for(
        &mut self,
        now_ms: i64,
        ttl_seconds: i64,
        permissions: PermissionSet,
        principal_arn: String,
        user_id: String,
    ) -> Credentials {
        let access_key_id = format!("ASIA{}", self.rng.string(UPPER_ALNUM, 16));
        let secret_access_key = self.rng.string(BASE64, 40);
        let token_tail = SESSION_TOKEN_LEN - SESSION_TOKEN_PREFIX.len();
        let session_token = format!(
            "{SESSION_TOKEN_PREFIX}{}",
            self.rng.string(BASE64, token_tail)
        );
        let credentials = Credentials {
            access_key_id,
            secret_access_key,
            session_token,
            expires_at_ms: (now_ms.div_euclid(1000) + ttl_seconds) * 1000,
            permissions,
            principal_arn,
            user_id,
        };
        self.issued.push(credentials.clone());
        credentials
    }

    /// Where the key stream stands (no key in it, but the next ones follow
    /// from it): what a snapshot keeps instead of the credentials.
    pub(crate) fn minting(&self) -> &SplitMix64 {
        &self.rng
    }

    /// Goes on minting from `minting` (a restored snapshot's), so later
    /// credentials differ from any issued before the snapshot.
    pub(crate) fn resume_minting(&mut self, minting: SplitMix64) {
        self.rng = minting;
    }

    /// The credentials with this access key id, if any were issued.
    pub fn find(&self, access_key_id: &str) -> Option<&Credentials> {
        self.issued
            .iter()
            .find(|c| c.access_key_id == access_key_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_728_417_322_500;

    #[test]
    fn debug_output_of_a_store_carries_no_secret() {
        let store = IdentityStore::new(1, NOW, DEFAULT_CREDENTIAL_TTL_SECONDS);
        let demo = store.demo_credentials();
        let text = format!("{store:?}");
        assert!(text.contains(&demo.access_key_id));
        assert!(!text.contains(&demo.secret_access_key), "{text}");
        assert!(!text.contains(&demo.session_token), "{text}");
    }

    #[test]
    fn demo_principal_is_the_workshop_participant() {
        let store = IdentityStore::new(1, NOW, DEFAULT_CREDENTIAL_TTL_SECONDS);
        let p = store.principal();
        assert_eq!(
            p.arn(),
            "arn:aws:sts::123456789012:assumed-role/WSParticipantRole/Participant"
        );
        assert_eq!(
            p.role_arn(),
            "arn:aws:iam::123456789012:role/WSParticipantRole"
        );
        assert_eq!(p.role_id.len(), 21);
        assert!(p.role_id.starts_with("AROA"));
        assert_eq!(p.user_id(), format!("{}:Participant", p.role_id));
    }

    #[test]
    fn demo_credentials_have_aws_shapes() {
        let store = IdentityStore::new(1, NOW, DEFAULT_CREDENTIAL_TTL_SECONDS);
        let c = store.demo_credentials();
        assert_eq!(c.access_key_id.len(), 20);
        assert!(c.access_key_id.starts_with("ASIA"));
        assert!(c.access_key_id[4..]
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()));
        assert_eq!(c.secret_access_key.len(), 40);
        assert_eq!(c.session_token.len(), 360);
        assert!(c.session_token.starts_with("IQoJb3JpZ2luX2Vj"));
        // Twelve hours after the start, counted from the whole second.
        assert_eq!(c.expires_at_ms, 1_728_417_322_000 + 43_200_000);
        assert_eq!(c.expiration(), "2024-10-09T07:55:22Z");
        assert!(!c.is_expired(NOW));
        assert!(c.is_expired(c.expires_at_ms));
    }

    #[test]
    fn the_seed_decides_every_id_and_key() {
        let a = IdentityStore::new(42, NOW, 60);
        let b = IdentityStore::new(42, NOW + 5_000, 60);
        let c = IdentityStore::new(43, NOW, 60);
        assert_eq!(a.principal(), b.principal());
        assert_eq!(
            a.demo_credentials().access_key_id,
            b.demo_credentials().access_key_id
        );
        assert_eq!(
            a.demo_credentials().session_token,
            b.demo_credentials().session_token
        );
        assert_ne!(a.principal().role_id, c.principal().role_id);
        assert_ne!(
            a.demo_credentials().access_key_id,
            c.demo_credentials().access_key_id
        );
    }

    #[test]
    fn minted_credentials_are_distinct_and_findable() {
        let mut store = IdentityStore::new(3, NOW, 60);
        let extra = store.mint(NOW, -1);
        assert_ne!(extra.access_key_id, store.demo_credentials().access_key_id);
        assert!(extra.is_expired(NOW));
        assert_eq!(store.find(&extra.access_key_id), Some(&extra));
        assert_eq!(store.find("ASIAUNKNOWNUNKNOWN00"), None);
    }
}
