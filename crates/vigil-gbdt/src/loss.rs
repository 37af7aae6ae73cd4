//! The binary log loss boosting minimises, on raw margins (log-odds).

/// Logistic function.
pub fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

/// Weighted binary log loss of margins.
pub fn log_loss(margin: &[f64], y: &[f32], w: &[f32]) -> f64 {
    let (mut sum, mut weight) = (0.0, 0.0);
    for ((&m, &y), &w) in margin.iter().zip(y).zip(w) {
        let p = sigmoid(m).clamp(1e-12, 1.0 - 1e-12);
        let l = if y > 0.5 { -p.ln() } else { -(1.0 - p).ln() };
        sum += f64::from(w) * l;
        weight += f64::from(w);
    }
    if weight > 0.0 { sum / weight } else { 0.0 }
}
