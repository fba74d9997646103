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
