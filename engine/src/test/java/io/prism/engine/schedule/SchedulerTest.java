package io.prism.engine.schedule;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.assertj.core.api.Assertions.withinPercentage;

/** Expected values come from the published formulas, evaluated independently with numpy (see engine-math.md). */
class SchedulerTest {

    @Test
    void trailingSpacingMatchesDiffusers() {
        DdimScheduler s = new DdimScheduler(SchedulerConfig.marigold());
        assertThat(s.timestepIndices(4)).containsExactly(999, 749, 499, 249);
        assertThat(s.timestepIndices(1)).containsExactly(999);
        assertThat(s.timestepIndices(3)).containsExactly(999, 666, 332);
        assertThat(s.timestepIndices(10)).containsExactly(999, 899, 799, 699, 599, 499, 399, 299, 199, 99);
    }

    @Test
    void trailingSpacingRoundsHalfToEvenLikeNumpyAndRefusesCountsWhereNumpyOvershoots() {
        DdimScheduler s = new DdimScheduler(SchedulerConfig.marigold());
        // 16 steps: arange gives 812.5 → 812 (half to even) → 811; Math.round would give 812
        assertThat(s.timestepIndices(16)).containsExactly(999, 937, 874, 811, 749, 687, 624, 561, 499, 437, 374, 311, 249, 187, 124, 61);
        // 48 steps: numpy's arange fills start + i·delta, which lands at 937.4999999999999 (→ 936), not 1000 − 3·1000/48
        // = 937.5 (→ 937 with half to even too)
        assertThat(s.timestepIndices(48)).startsWith(999, 978, 957, 936);
        // for 61 steps numpy.arange returns 62 values (the last rounds to 0 → timestep −1): refused, not silently changed
        assertThatThrownBy(() -> s.timestepIndices(61)).hasMessageContaining("62 timesteps");
    }

    @Test
    void linspaceSpacingIsNumpyLinspaceRoundedAndReversed() {
        SchedulerConfig c = SchedulerConfig.marigold();
        DdimScheduler s = new DdimScheduler(new SchedulerConfig("ddim", 1000, c.betaStart(), c.betaEnd(), c.betaSchedule(),
                true, "linspace", false, 0, "v_prediction", 1));
        assertThat(s.timestepIndices(4)).containsExactly(999, 666, 333, 0);
        assertThat(s.timestepIndices(3)).containsExactly(999, 500, 0);       // 499.5 → 500 (half to even)
        assertThat(s.timestepIndices(1)).containsExactly(0);                 // numpy: linspace(0, 999, 1) = [0]
    }

    @Test
    void leadingSpacingNeverReachesTheLastTimestep() {
        SchedulerConfig c = SchedulerConfig.marigold();
        DdimScheduler s = new DdimScheduler(new SchedulerConfig("ddim", 1000, c.betaStart(), c.betaEnd(), c.betaSchedule(),
                true, "leading", false, 1, "v_prediction", 1));
        assertThat(s.timestepIndices(4)).containsExactly(751, 501, 251, 1);
    }

    /**
     * Against the formulas evaluated in float64 with numpy. The scheduler holds diffusers' float32 table
     * (DiffusersDdimReferenceTest checks it against diffusers itself), hence relative 1e-6; at t = 998 (ᾱ ≈ 2e-7) the
     * float32 shift √ᾱ − √ᾱ_T loses digits and float32 and float64 differ by 4e-5 relative.
     */
    @Test
    void zeroSnrRescaleKeepsFirstAndZeroesLast() {
        DdimScheduler s = new DdimScheduler(SchedulerConfig.marigold());
        // numpy: scaled_linear betas, cumprod, Lin et al. Algorithm 1
        assertThat(s.alphaCumprod(0)).isEqualTo((double) 0.99915f);
        assertThat(s.alphaCumprod(249)).isCloseTo(0.6541890065386031, withinPercentage(1e-4));
        assertThat(s.alphaCumprod(499)).isCloseTo(0.24235916655614523, withinPercentage(1e-4));
        assertThat(s.alphaCumprod(749)).isCloseTo(0.033171482831862664, withinPercentage(1e-4));
        assertThat(s.alphaCumprod(998)).isCloseTo(1.9678880566212916e-07, withinPercentage(1e-2));
        assertThat(s.alphaCumprod(999)).isEqualTo(0.0);
    }

    @Test
    void withoutRescaleTheScheduleIsPlainScaledLinear() {
        SchedulerConfig c = SchedulerConfig.marigold();
        DdimScheduler s = new DdimScheduler(new SchedulerConfig("ddim", 1000, c.betaStart(), c.betaEnd(), c.betaSchedule(),
                false, "trailing", false, 0, "epsilon", 1));
        assertThat(s.alphaCumprod(249)).isCloseTo(0.6754324137251241, withinPercentage(1e-4));
        assertThat(s.alphaCumprod(499)).isCloseTo(0.27766965045646763, withinPercentage(1e-4));
        assertThat(s.alphaCumprod(999)).isCloseTo(0.004660098513077238, withinPercentage(1e-4));
    }

    @Test
    void epsilonPredictionIsRefusedAtZeroTerminalSnr() {
        SchedulerConfig c = SchedulerConfig.marigold();
        assertThatThrownBy(() -> new DdimScheduler(new SchedulerConfig("ddim", 1000, c.betaStart(), c.betaEnd(),
                c.betaSchedule(), true, "trailing", false, 0, "epsilon", 1)))
                .hasMessageContaining("zero terminal SNR");
    }

    @Test
    void previousAlphaOfTheLastStepIsAlphaZeroUnlessSetToOne() {
        DdimScheduler s = new DdimScheduler(SchedulerConfig.marigold());
        assertThat(s.alphaCumprodPrev(0, 4)).isCloseTo(s.alphaCumprod(749), within(1e-15));
        assertThat(s.alphaCumprodPrev(3, 4)).isEqualTo((double) 0.99915f);
    }

    @Test
    void exactVPredictionRecoversTheCleanLatentInOneTrailingStep() {
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            DdimScheduler s = new DdimScheduler(SchedulerConfig.marigold());
            NDArray x0 = m.randomUniform(-1, 1, new Shape(2, 3, 4, 4));
            NDArray eps = m.randomNormal(new Shape(2, 3, 4, 4));
            float[] t = {999, 999};
            NDArray xt = s.addNoise(x0, eps, t);
            assertThat(xt.sub(eps).abs().max().getFloat()).isLessThan(1e-6f);      // ᾱ = 0: pure noise
            NDArray v = s.target(x0, eps, t);
            assertThat(v.add(x0).abs().max().getFloat()).isLessThan(1e-6f);        // v = −x₀ at ᾱ = 0
            NDArray pred = s.predictOriginal(v, 0, 1, xt);
            assertThat(pred.sub(x0).abs().max().getFloat()).isLessThan(1e-5f);
            // a full DDIM step lands at √ᾱ_0 x₀ + √(1−ᾱ_0) ε̂ with ᾱ_prev = ᾱ_0
            NDArray prev = s.step(v, 0, 1, xt);
            NDArray expected = x0.mul(Math.sqrt(0.99915)).add(eps.mul(Math.sqrt(1 - 0.99915)));
            assertThat(prev.sub(expected).abs().max().getFloat()).isLessThan(1e-5f);
        }
    }

    @Test
    void exactPredictionsAreConsistentAcrossParameterisationsAtIntermediateSteps() {
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            NDArray x0 = m.randomUniform(-1, 1, new Shape(1, 2, 3, 3));
            NDArray eps = m.randomNormal(new Shape(1, 2, 3, 3));
            for (String pt : new String[] {"v_prediction", "sample"}) {
                SchedulerConfig c = SchedulerConfig.marigold();
                DdimScheduler s = new DdimScheduler(new SchedulerConfig("ddim", 1000, c.betaStart(), c.betaEnd(),
                        c.betaSchedule(), true, "trailing", false, 0, pt, 1));
                float[] t = {499};
                NDArray xt = s.addNoise(x0, eps, t);
                NDArray out = s.target(x0, eps, t);
                NDArray prev = s.step(out, 2, 4, xt);            // t = 499 → 249
                double a = s.alphaCumprod(249);
                NDArray expected = x0.mul(Math.sqrt(a)).add(eps.mul(Math.sqrt(1 - a)));
                assertThat(prev.sub(expected).abs().max().getFloat()).as(pt).isLessThan(1e-4f);
            }
        }
    }

    @Test
    void flowMatchSigmasShiftAndEulerIsExactOnStraightPaths() {
        FlowMatchEulerScheduler f = new FlowMatchEulerScheduler(SchedulerConfig.flowMatch(3.0));
        double[] sig = f.sigmas(2);
        assertThat(sig[0]).isCloseTo(1.0, within(1e-12));
        assertThat(sig[1]).isCloseTo(3 * 0.5 / (1 + 2 * 0.5), within(1e-12));    // 0.75
        assertThat(sig[2]).isEqualTo(0.0);
        assertThat(f.timesteps(2)).containsExactly(1000f, 750f);
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            NDArray x0 = m.randomUniform(-1, 1, new Shape(1, 2, 3, 3));
            NDArray eps = m.randomNormal(new Shape(1, 2, 3, 3));
            NDArray x = eps;                                                         // σ = 1
            for (int i = 0; i < 2; i++) {
                NDArray u = f.target(x0, eps, new float[] {f.timesteps(2)[i]});      // u = ε − x₀
                x = f.step(u, i, 2, x);
            }
            assertThat(x.sub(x0).abs().max().getFloat()).isLessThan(1e-5f);
            float[] t = {750f};
            NDArray xs = f.addNoise(x0, eps, t);
            NDArray expected = x0.mul(0.25).add(eps.mul(0.75));
            assertThat(xs.sub(expected).abs().max().getFloat()).isLessThan(1e-6f);
        }
        float[] tt = f.sampleTrainingTimesteps(1000, new SplittableRandom(1));
        for (float v : tt) assertThat(v).isBetween(0f, 1000f);
    }

    @Test
    void unknownNamesAreRejectedClearly() {
        assertThatThrownBy(() -> PredictionType.parse("banana")).hasMessageContaining("unknown prediction type");
        SchedulerConfig c = SchedulerConfig.marigold();
        assertThatThrownBy(() -> new SchedulerConfig("dpm", 1000, 0, 0, "x", false, "trailing", false, 0, "v", 1).create())
                .hasMessageContaining("unknown scheduler type");
        assertThatThrownBy(() -> new DdimScheduler(c).timestepIndices(0)).hasMessageContaining("steps must be");
    }
}
