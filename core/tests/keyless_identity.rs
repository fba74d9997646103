//! Keyless check V5 (identity and OIDC issuer) on the real leaves and on forged ones.
#![cfg(feature = "keyless")]

mod support;

use vouch_core::Error;
use vouch_core::identity::{IdentityPolicy, Matcher, check_identity, identities, oidc_issuer};
use vouch_core::x509::{Certificate, GeneralName};

/// Cases whose expected failure is the identity policy itself.
const IDENTITY_FAILURES: &[&str] = &[
    "go--othername-san-email-mismatch",
    "go--sigstorejs-2.0.0-provenance-bad-san",
    "py--bundle-v01-wrong-identity",
];

#[test]
fn real_leaves_match_their_expected_identities() {
    let mut checked = 0;
    for case in support::cases::all() {
        let Some(der) = case.leaf() else { continue };
        let leaf = Certificate::parse(&der).unwrap();
        let issuer = case.str("issuer").unwrap();
        let anchored;
        let identity = match (case.str("identity"), case.str("identity_regexp")) {
            (Some(exact), _) => Matcher::Exact(exact),
            (None, Some(re)) => {
                // The only regexps of the cases are `^prefix` patterns.
                let prefix = re.strip_prefix('^').unwrap().to_owned();
                anchored = move |v: &str| v.starts_with(&prefix);
                Matcher::Custom(&anchored)
            }
            (None, None) => unreachable!("{}", case.name),
        };
        let policy = IdentityPolicy {
            identity,
            issuer: Matcher::Exact(issuer),
        };
        let got = check_identity(&leaf, &policy);
        if IDENTITY_FAILURES.contains(&case.name.as_str()) {
            assert_eq!(got, Err(Error::IdentityMismatch), "{}", case.name);
        } else {
            let m = got.unwrap_or_else(|e| panic!("{}: {e:?}", case.name));
            assert_eq!(m.issuer, issuer, "{}", case.name);
            if let Some(exact) = case.str("identity") {
                assert_eq!(m.san.identity(), Some(exact), "{}", case.name);
            }
        }
        checked += 1;
    }
    assert!(checked >= 20, "{checked}");
}

#[test]
fn real_othername_is_a_username_never_an_email() {
    let case = support::cases::all()
        .into_iter()
        .find(|c| c.name == "go--othername-san")
        .unwrap();
    let der = case.leaf().unwrap();
    let leaf = Certificate::parse(&der).unwrap();
    let names: Vec<_> = identities(&leaf).collect();
    assert_eq!(names, [GeneralName::FulcioUsername("foo!oidc.local")]);
    let policy = |id| IdentityPolicy {
        identity: Matcher::Exact(id),
        issuer: Matcher::Exact("http://oidc.local:8080"),
    };
    assert!(check_identity(&leaf, &policy("foo!oidc.local")).is_ok());
    for wrong in [
        "foo@oidc.local",
        "foo",
        "foo!oidc.loca",
        "foo!oidc.local/",
        "",
    ] {
        assert_eq!(
            check_identity(&leaf, &policy(wrong)),
            Err(Error::IdentityMismatch),
            "{wrong}"
        );
    }
    // A trailing slash on the issuer counts.
    let p = IdentityPolicy {
        identity: Matcher::Exact("foo!oidc.local"),
        issuer: Matcher::Exact("http://oidc.local:8080/"),
    };
    assert_eq!(check_identity(&leaf, &p), Err(Error::IssuerMismatch));
    assert_eq!(oidc_issuer(&leaf), Ok("http://oidc.local:8080"));
}

#[test]
fn real_prefix_of_the_identity_never_matches() {
    let case = support::cases::all()
        .into_iter()
        .find(|c| c.name == "go--sigstorejs-2.0.0-provenance-exact")
        .unwrap();
    let der = case.leaf().unwrap();
    let leaf = Certificate::parse(&der).unwrap();
    let full = case.str("identity").unwrap();
    let issuer = case.str("issuer").unwrap();
    for n in [0, 1, full.len() / 2, full.len() - 1] {
        let p = IdentityPolicy {
            identity: Matcher::Exact(&full[..n]),
            issuer: Matcher::Exact(issuer),
        };
        assert_eq!(
            check_identity(&leaf, &p),
            Err(Error::IdentityMismatch),
            "{n}"
        );
    }
    let longer = format!("{full}x");
    let p = IdentityPolicy {
        identity: Matcher::Exact(&longer),
        issuer: Matcher::Exact(issuer),
    };
    assert_eq!(check_identity(&leaf, &p), Err(Error::IdentityMismatch));
    // Issuer prefix, and issuer with a trailing slash.
    for wrong in [&issuer[..issuer.len() - 1], &format!("{issuer}/")] {
        let p = IdentityPolicy {
            identity: Matcher::Exact(full),
            issuer: Matcher::Exact(wrong),
        };
        assert_eq!(
            check_identity(&leaf, &p),
            Err(Error::IssuerMismatch),
            "{wrong}"
        );
    }
    // A custom matcher sees the values; one that accepts nothing matches nothing.
    let none = |_: &str| false;
    let p = IdentityPolicy {
        identity: Matcher::Custom(&none),
        issuer: Matcher::Exact(issuer),
    };
    assert_eq!(check_identity(&leaf, &p), Err(Error::IdentityMismatch));
}

// --- Forged leaves (support::pki) ---------------------------------------------------------

use support::pki::{Ext, San, World, oids};

const T: i64 = 1_700_000_000;

fn forged(spec_fn: impl FnOnce(support::pki::CertSpec) -> support::pki::CertSpec) -> Vec<u8> {
    let w = World::new(T);
    w.issue(&spec_fn(w.leaf_spec()))
}

fn check(der: &[u8], identity: &str, issuer: &str) -> Result<String, Error> {
    let leaf = Certificate::parse(der).unwrap();
    let policy = IdentityPolicy {
        identity: Matcher::Exact(identity),
        issuer: Matcher::Exact(issuer),
    };
    check_identity(&leaf, &policy).map(|m| format!("{:?} {}", m.san, m.issuer))
}

const ISSUER: &str = "https://issuer.example.com";

#[test]
fn forged_uri_email_and_username_match_exactly() {
    let der = forged(|s| {
        s.with_san(&[
            San::Dns("example.com".into()),
            San::Uri("https://github.com/o/r/.github/workflows/w.yml@refs/heads/main".into()),
            San::Email("alice@example.com".into()),
            San::Username("bob!example.com".into()),
        ])
    });
    assert_eq!(
        check(&der, "alice@example.com", ISSUER).unwrap(),
        format!("Email(\"alice@example.com\") {ISSUER}")
    );
    assert!(
        check(&der, "bob!example.com", ISSUER)
            .unwrap()
            .starts_with("FulcioUsername")
    );
    assert!(
        check(
            &der,
            "https://github.com/o/r/.github/workflows/w.yml@refs/heads/main",
            ISSUER
        )
        .unwrap()
        .starts_with("Uri")
    );
    // A DNS name is never an identity.
    assert_eq!(
        check(&der, "example.com", ISSUER),
        Err(Error::IdentityMismatch)
    );
    // Prefixes, suffixes, case.
    for wrong in [
        "https://github.com/o/r/",
        "https://github.com/o/r/.github/workflows/w.yml@refs/heads/mai",
        "https://github.com/o/r/.github/workflows/w.yml@refs/heads/main/",
        "alice@example.co",
        "ALICE@example.com",
        "alice",
    ] {
        assert_eq!(
            check(&der, wrong, ISSUER),
            Err(Error::IdentityMismatch),
            "{wrong}"
        );
    }
}

#[test]
fn forged_othername_is_never_an_email() {
    let der = forged(|s| s.with_san(&[San::Username("carol@example.com".into())]));
    // The otherName's text matches as itself (a username), with its own form reported...
    assert!(
        check(&der, "carol@example.com", ISSUER)
            .unwrap()
            .starts_with("FulcioUsername")
    );
    // ...and a username that is not an email never matches the email it resembles.
    let der = forged(|s| s.with_san(&[San::Username("carol!example.com".into())]));
    assert_eq!(
        check(&der, "carol@example.com", ISSUER),
        Err(Error::IdentityMismatch)
    );
    let leaf = Certificate::parse(&der).unwrap();
    assert!(
        identities(&leaf).all(|n| !matches!(n, GeneralName::Email(_))),
        "an otherName is not reported as an email"
    );
}

#[test]
fn forged_issuer_v2_else_v1_and_trailing_slashes() {
    // .1.8 wins over .1.1.
    let der = forged(|s| {
        s.with_ext(Ext::fulcio_issuer_v1(b"https://old.example.com"))
            .with_ext(Ext::fulcio_issuer_v2("https://new.example.com"))
    });
    assert!(check(&der, "signer@example.com", "https://new.example.com").is_ok());
    assert_eq!(
        check(&der, "signer@example.com", "https://old.example.com"),
        Err(Error::IssuerMismatch)
    );
    // .1.1 alone.
    let der = forged(|s| {
        s.without_ext(oids::FULCIO_ISSUER_V2)
            .with_ext(Ext::fulcio_issuer_v1(b"https://accounts.example.com/"))
    });
    assert!(check(&der, "signer@example.com", "https://accounts.example.com/").is_ok());
    // Trailing slash counts, both ways.
    assert_eq!(
        check(&der, "signer@example.com", "https://accounts.example.com"),
        Err(Error::IssuerMismatch)
    );
    let der = forged(|s| s.with_ext(Ext::fulcio_issuer_v2("https://accounts.example.com")));
    assert_eq!(
        check(&der, "signer@example.com", "https://accounts.example.com/"),
        Err(Error::IssuerMismatch)
    );
    // Neither: a named refusal.
    let der = forged(|s| s.without_ext(oids::FULCIO_ISSUER_V2));
    assert_eq!(
        check(&der, "signer@example.com", ISSUER),
        Err(Error::MissingOidcIssuer)
    );
    // .1.1 that is not UTF-8 matches no text policy.
    let der = forged(|s| {
        s.without_ext(oids::FULCIO_ISSUER_V2)
            .with_ext(Ext::fulcio_issuer_v1(&[0xff, 0xfe]))
    });
    assert_eq!(
        check(&der, "signer@example.com", ISSUER),
        Err(Error::IssuerMismatch)
    );
}

#[test]
fn forged_leaf_without_san_matches_nothing() {
    let der = forged(|s| s.without_ext(oids::SUBJECT_ALT_NAME));
    assert_eq!(
        check(&der, "signer@example.com", ISSUER),
        Err(Error::IdentityMismatch)
    );
}

#[test]
fn custom_matchers_see_every_identity_value() {
    let der = forged(|s| {
        s.with_san(&[
            San::Email("a@example.com".into()),
            San::Uri("https://example.com/x".into()),
        ])
    });
    let leaf = Certificate::parse(&der).unwrap();
    let seen = std::cell::RefCell::new(Vec::new());
    let record = |v: &str| {
        seen.borrow_mut().push(v.to_owned());
        false
    };
    let policy = IdentityPolicy {
        identity: Matcher::Custom(&record),
        issuer: Matcher::Exact(ISSUER),
    };
    assert_eq!(check_identity(&leaf, &policy), Err(Error::IdentityMismatch));
    assert_eq!(*seen.borrow(), ["a@example.com", "https://example.com/x"]);
    let uri_only = |v: &str| v.starts_with("https://");
    let issuer_any = |_: &str| true;
    let policy = IdentityPolicy {
        identity: Matcher::Custom(&uri_only),
        issuer: Matcher::Custom(&issuer_any),
    };
    let m = check_identity(&leaf, &policy).unwrap();
    assert_eq!(m.san, GeneralName::Uri("https://example.com/x"));
}
