//! Zone rows: parsing never panics, normalisation is idempotent, masked rows
//! and error messages never hold a secret, merge never panics.

#![no_main]

use arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use puq_dns_core::provider::REGISTRY;
use puq_dns_core::zone;
use puq_dns_core::{Value, Zone, KEEP};
use puq_dns_fuzz::{rotate_secrets, secrets_to_look_for, texts, zone_row, zone_secret, FValue};

struct Input {
    row: Value,
    index: Option<usize>,
    stored: Value,
    submitted: Value,
}

fn input(u: &mut Unstructured<'_>) -> Result<Input> {
    let row = zone_row(u)?.to_value();
    let index = if u.arbitrary()? {
        Some(usize::from(u.arbitrary::<u8>()?))
    } else {
        None
    };
    let stored = if u.arbitrary()? {
        row.clone()
    } else {
        zone_row(u)?.to_value()
    };
    let submitted = match u.int_in_range(0u8..=2)? {
        0 => zone_row(u)?.to_value(),
        // An edit form: the stored row with some fields changed.
        _ => match &stored {
            Value::Array(a) => {
                let mut a = a.clone();
                for _ in 0..u.int_in_range(0u8..=3)? {
                    let k = puq_dns_fuzz::field(u)?;
                    let v = match u.int_in_range(0u8..=3)? {
                        0 => Value::from(KEEP),
                        1 => Value::from(""),
                        _ => puq_dns_fuzz::field_value(u, k)?.to_value(),
                    };
                    a.insert(k, v);
                }
                Value::Array(a)
            }
            other => other.clone(),
        },
    };
    Ok(Input {
        row,
        index,
        stored,
        submitted,
    })
}

fn all_texts(row: &puq_dns_core::Array) -> String {
    let mut out = Vec::new();
    texts(&Value::Array(row.clone()), &mut out);
    out.join("\u{1}")
}

fn check_zone(zone: &Zone, row: &Value, index: Option<usize>) {
    // Normalisation is idempotent.
    let normal = zone.to_row();
    let again = Zone::from_row(&Value::Array(normal.clone()), index)
        .unwrap_or_else(|e| panic!("the normalised row {normal:?} does not parse: {e}"));
    assert_eq!(
        format!("{:?}", again.to_row()),
        format!("{normal:?}"),
        "normalising twice changes the row"
    );
    assert_eq!(again.kind, zone.kind);
    assert_eq!(again.label(), zone.label());

    // The masked row holds no secret.
    let masked = zone.to_masked_row();
    for field in REGISTRY.iter().map(|r| r.spec.secret_field()) {
        if let Some(v) = masked.get(field) {
            assert!(
                matches!(v, Value::Null) || v.as_str() == Some(KEEP) || v.as_str() == Some(""),
                "{field} is not masked: {v:?}"
            );
        }
    }
    // The exposed secret is the trimmed text of the provider's field.
    let field = zone.provider_type().secret_field();
    let given = match row {
        Value::Array(a) => a.get(field).and_then(Value::as_str).map(str::trim),
        _ => None,
    };
    assert_eq!(Some(zone_secret(zone)), given);
    let shown = all_texts(&masked);
    let listed = all_texts(&zone.to_listed_row());
    for s in secrets_to_look_for(row) {
        if !(shown.contains(&s) || listed.contains(&s)) {
            continue;
        }
        // Is it there because of the secret, or would any secret show the same?
        let rotated = Zone::from_row(&rotate_secrets(row), index)
            .unwrap_or_else(|e| panic!("rotating the secret makes the row invalid: {e}"));
        assert!(
            !shown.contains(&s) || all_texts(&rotated.to_masked_row()).contains(&s),
            "the secret {s:?} shows in the masked row {masked:?}"
        );
        assert!(
            !listed.contains(&s) || all_texts(&rotated.to_listed_row()).contains(&s),
            "the secret {s:?} shows in the listed row {:?}",
            zone.to_listed_row()
        );
    }

    // An edit form sending the masked row back changes nothing.
    let merged = zone::merge(&Value::Array(normal.clone()), &Value::Array(masked.clone()))
        .unwrap_or_else(|e| panic!("merging the masked row back fails: {e}"));
    assert_eq!(format!("{:?}", merged.to_row()), format!("{normal:?}"));
}

fn check_error(message: &str, row: &Value, index: Option<usize>) {
    for s in secrets_to_look_for(row) {
        if !message.contains(&s) {
            continue;
        }
        let rotated = match Zone::from_row(&rotate_secrets(row), index) {
            Ok(_) => panic!("rotating the secret makes the row valid"),
            Err(e) => e.to_string(),
        };
        assert!(
            rotated.contains(&s),
            "the error {message:?} shows the secret {s:?}"
        );
    }
}

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let Ok(Input {
        row,
        index,
        stored,
        submitted,
    }) = input(&mut u)
    else {
        return;
    };
    match Zone::from_row(&row, index) {
        Ok(zone) => check_zone(&zone, &row, index),
        Err(e) => check_error(&e.to_string(), &row, index),
    }
    match zone::merge(&stored, &submitted) {
        Ok(zone) => {
            let _ = zone.to_listed_row();
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
    // Raw values too, whatever their shape.
    if let Ok(raw) = u.arbitrary::<FValue>() {
        let raw = raw.to_value();
        match Zone::from_row(&raw, None) {
            Ok(zone) => check_zone(&zone, &raw, None),
            Err(e) => check_error(&e.to_string(), &raw, None),
        }
        let _ = zone::merge(&raw, &row);
    }
});
