//! Deterministic synthetic unit vectors for the tests and the vector bench: uniform on
//! the sphere (the worst case for graph indexes: no structure to navigate) and a mixture
//! of Gaussian clusters (closer to real embeddings, which crowd around topics).

/// Xorshift64: fast, deterministic, good enough for test data.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.max(1))
    }

    /// Uniform in [-0.5, 0.5).
    pub fn centred(&mut self) -> f32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 40) as f32 / (1u64 << 24) as f32 - 0.5
    }
}

pub fn normalised(mut v: Vec<f32>) -> Vec<f32> {
    let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if n > 0.0 {
        v.iter_mut().for_each(|x| *x /= n);
    }
    v
}

/// One uniformly random unit vector.
pub fn uniform(rng: &mut Rng, dim: usize) -> Vec<f32> {
    normalised((0..dim).map(|_| rng.centred()).collect())
}

/// Unit vectors scattered around `centres` random centres.
pub struct Clusters {
    centres: Vec<Vec<f32>>,
    spread: f32,
    rng: Rng,
}

impl Clusters {
    /// `spread`: the noise's norm relative to the centre's (0.6–0.8 gives neighbours at
    /// cosine ~0.6–0.75 inside a cluster, ~0 across, like e5 embeddings of one topic).
    pub fn new(centres: usize, dim: usize, spread: f32, seed: u64) -> Self {
        let mut rng = Rng::new(seed);
        let centres = (0..centres).map(|_| uniform(&mut rng, dim)).collect();
        Clusters {
            centres,
            spread,
            rng,
        }
    }

    pub fn sample(&mut self) -> Vec<f32> {
        let c = (self.rng.0 % self.centres.len() as u64) as usize;
        let dim = self.centres[c].len();
        let noise = uniform(&mut self.rng, dim);
        let centre = &self.centres[c];
        normalised(
            centre
                .iter()
                .zip(noise)
                .map(|(c, n)| c + self.spread * n)
                .collect(),
        )
    }
}
