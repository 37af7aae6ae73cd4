//! JSON has no NaN: vectors with missing values (NaN) are written with `null` in their place
//! and read back as NaN, so a saved model reads exactly as it was fitted.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// `Vec<f64>` with NaN as `null`.
pub mod vec {
    use super::*;

    /// Writes NaN as `null`.
    pub fn serialize<S: Serializer>(v: &[f64], s: S) -> Result<S::Ok, S::Error> {
        v.iter()
            .map(|x| (!x.is_nan()).then_some(*x))
            .collect::<Vec<_>>()
            .serialize(s)
    }

    /// Reads `null` as NaN.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f64>, D::Error> {
        Ok(Vec::<Option<f64>>::deserialize(d)?
            .into_iter()
            .map(|x| x.unwrap_or(f64::NAN))
            .collect())
    }
}

/// `Vec<Vec<f64>>` with NaN as `null`.
pub mod vec2 {
    use super::*;

    /// Writes NaN as `null`.
    pub fn serialize<S: Serializer>(v: &[Vec<f64>], s: S) -> Result<S::Ok, S::Error> {
        v.iter()
            .map(|r| r.iter().map(|x| (!x.is_nan()).then_some(*x)).collect::<Vec<_>>())
            .collect::<Vec<_>>()
            .serialize(s)
    }

    /// Reads `null` as NaN.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Vec<f64>>, D::Error> {
        Ok(Vec::<Vec<Option<f64>>>::deserialize(d)?
            .into_iter()
            .map(|r| r.into_iter().map(|x| x.unwrap_or(f64::NAN)).collect())
            .collect())
    }
}

#[cfg(test)]
mod tests {
    #[derive(serde::Serialize, serde::Deserialize)]
    struct T {
        #[serde(with = "super::vec")]
        a: Vec<f64>,
        #[serde(with = "super::vec2")]
        b: Vec<Vec<f64>>,
    }

    #[test]
    fn nan_round_trips_through_null() -> Result<(), serde_json::Error> {
        let t = T {
            a: vec![1.5, f64::NAN],
            b: vec![vec![f64::NAN, -2.0]],
        };
        let json = serde_json::to_string(&t)?;
        assert_eq!(json, r#"{"a":[1.5,null],"b":[[null,-2.0]]}"#);
        let back: T = serde_json::from_str(&json)?;
        assert!(back.a[1].is_nan() && back.b[0][0].is_nan());
        assert_eq!(back.b[0][1], -2.0);
        Ok(())
    }
}
