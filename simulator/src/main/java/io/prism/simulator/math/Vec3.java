package io.prism.simulator.math;

/** An immutable 3-vector of doubles: points, directions and linear RGB colours alike. */
public record Vec3(double x, double y, double z) {
    public static final Vec3 ZERO = new Vec3(0, 0, 0);
    public static final Vec3 ONE = new Vec3(1, 1, 1);
    public static final Vec3 UP = new Vec3(0, 1, 0);

    public static Vec3 of(double x, double y, double z) { return new Vec3(x, y, z); }
    public static Vec3 gray(double v) { return new Vec3(v, v, v); }

    public Vec3 add(Vec3 o) { return new Vec3(x + o.x, y + o.y, z + o.z); }
    public Vec3 sub(Vec3 o) { return new Vec3(x - o.x, y - o.y, z - o.z); }
    public Vec3 mul(double s) { return new Vec3(x * s, y * s, z * s); }
    /** Component-wise product (colour filtering). */
    public Vec3 mul(Vec3 o) { return new Vec3(x * o.x, y * o.y, z * o.z); }
    /** this + o * s, the workhorse of ray marching and accumulation. */
    public Vec3 addScaled(Vec3 o, double s) { return new Vec3(x + o.x * s, y + o.y * s, z + o.z * s); }
    public Vec3 neg() { return new Vec3(-x, -y, -z); }
    public double dot(Vec3 o) { return x * o.x + y * o.y + z * o.z; }
    public Vec3 cross(Vec3 o) { return new Vec3(y * o.z - z * o.y, z * o.x - x * o.z, x * o.y - y * o.x); }
    public double length() { return Math.sqrt(x * x + y * y + z * z); }
    public double lengthSquared() { return x * x + y * y + z * z; }

    public Vec3 normalize() {
        double l = length();
        if (l == 0) throw new ArithmeticException("cannot normalise a zero vector");
        return new Vec3(x / l, y / l, z / l);
    }

    public Vec3 lerp(Vec3 o, double t) { return new Vec3(x + (o.x - x) * t, y + (o.y - y) * t, z + (o.z - z) * t); }
    public double maxComponent() { return Math.max(x, Math.max(y, z)); }
    /** Rec. 709 luminance of a linear RGB colour. */
    public double luminance() { return 0.2126 * x + 0.7152 * y + 0.0722 * z; }
    public Vec3 clamp01() { return new Vec3(clamp(x), clamp(y), clamp(z)); }

    private static double clamp(double v) { return v < 0 ? 0 : (v > 1 ? 1 : v); }

    /** Mirror reflection of direction d about unit normal n. */
    public static Vec3 reflect(Vec3 d, Vec3 n) { return d.addScaled(n, -2 * d.dot(n)); }

    /**
     * Snell refraction of unit direction d through unit normal n (facing against d) with relative
     * index eta = n_from / n_to; null on total internal reflection.
     */
    public static Vec3 refract(Vec3 d, Vec3 n, double eta) {
        double cosI = -d.dot(n);
        double sin2T = eta * eta * (1 - cosI * cosI);
        if (sin2T > 1) return null;
        double cosT = Math.sqrt(1 - sin2T);
        return d.mul(eta).addScaled(n, eta * cosI - cosT);
    }
}
