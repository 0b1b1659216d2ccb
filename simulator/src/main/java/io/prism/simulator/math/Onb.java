package io.prism.simulator.math;

/** An orthonormal basis (u, v, w) with w given; maps local coordinates to world directions. */
public record Onb(Vec3 u, Vec3 v, Vec3 w) {
    /** Branchless basis construction (Duff et al. 2017, "Building an Orthonormal Basis, Revisited"). */
    public static Onb around(Vec3 n) {
        double sign = Math.copySign(1.0, n.z());
        double a = -1.0 / (sign + n.z());
        double b = n.x() * n.y() * a;
        Vec3 u = new Vec3(1 + sign * n.x() * n.x() * a, sign * b, -sign * n.x());
        Vec3 v = new Vec3(b, sign + n.y() * n.y() * a, -n.y());
        return new Onb(u, v, n);
    }

    public Vec3 toWorld(double a, double b, double c) {
        return new Vec3(
                u.x() * a + v.x() * b + w.x() * c,
                u.y() * a + v.y() * b + w.y() * c,
                u.z() * a + v.z() * b + w.z() * c);
    }
}
