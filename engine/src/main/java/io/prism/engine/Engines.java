package io.prism.engine;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** DJL engine set-up shared by the predictor, trainer and commands: offline, thread count, device names. */
public final class Engines {
    private Engines() {}

    /**
     * Makes DJL offline and sets PyTorch's intra-op thread count (threads ≤ 0: leave PyTorch's default).
     * PyTorch reads the thread settings once per process, when the engine starts; later calls cannot change them.
     */
    public static synchronized Engine pytorch(int threads) {
        System.setProperty("ai.djl.offline", "true");
        System.setProperty("OPT_OUT_TRACKING", "true");
        if (threads > 0 && System.getProperty("ai.djl.pytorch.num_threads") == null) {
            System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(threads));
            System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        }
        return Engine.getEngine("PyTorch");
    }

    /**
     * Switches PyTorch's autograd recording for the calling thread (PyTorch keeps this flag per thread) and returns
     * the previous setting, so that a caller can restore it. Inference turns it off: no graph, less memory.
     */
    public static boolean gradMode(boolean on) {
        boolean before = ai.djl.pytorch.jni.JniUtils.isGradMode();
        if (before != on) ai.djl.pytorch.jni.JniUtils.setGradMode(on);
        return before;
    }

    /** "cpu", "gpu", "gpu:N" or "cuda:N" → a DJL device, checked against what PyTorch sees. */
    public static Device device(String name) {
        String n = name == null ? "cpu" : name.trim().toLowerCase(Locale.ROOT);
        if (n.equals("cpu")) return Device.cpu();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(gpu|cuda)(?::(\\d+))?").matcher(n);
        if (!m.matches()) throw new IllegalArgumentException("unknown device '" + name + "' (cpu, gpu:N)");
        int id = m.group(2) == null ? 0 : Integer.parseInt(m.group(2));
        int gpus = Engine.getEngine("PyTorch").getGpuCount();
        if (id >= gpus) {
            throw new IllegalArgumentException("device '" + name + "' requested but PyTorch sees " + gpus + " GPU(s)");
        }
        return Device.gpu(id);
    }

    /**
     * "fp32" or "fp16" → the compute dtype for diffusers models on {@code device}. fp16 only on a GPU (PyTorch's CPU
     * kernels lack half antialiased resize and run half convolutions slowly); bf16 refused: DJL 0.35.1 terminates the
     * JVM on bfloat16 tensors (bf16 checkpoints are widened to fp32 on load instead).
     */
    public static ai.djl.ndarray.types.DataType computeType(String dtype, Device device) {
        String s = dtype == null ? "fp32" : dtype.toLowerCase(Locale.ROOT);
        return switch (s) {
            case "fp32", "float32" -> ai.djl.ndarray.types.DataType.FLOAT32;
            case "fp16", "float16", "half" -> {
                if (!device.isGpu()) throw new IllegalArgumentException("fp16 needs a GPU; use --dtype fp32 on CPU");
                yield ai.djl.ndarray.types.DataType.FLOAT16;
            }
            case "bf16", "bfloat16" -> throw new IllegalArgumentException("bf16 compute is not available: DJL 0.35.1 aborts the JVM "
                    + "on bfloat16 tensors; bf16 checkpoints are widened to fp32 (or use --dtype fp16 on a GPU)");
            default -> throw new IllegalArgumentException("unknown dtype '" + dtype + "' (fp32, fp16)");
        };
    }

    /** What a diffusers model is built from: its manager on the device, the compute dtype and the weight-file variant. */
    public record Target(NDManager manager, Device device, ai.djl.ndarray.types.DataType dtype, String variant) {}

    /**
     * Builds a model on a fresh manager of {@code device} in the compute dtype, with autograd off on this thread while it
     * loads; the manager is closed again if building fails (the model owns it otherwise).
     */
    public static <T> T build(String device, int threads, String dtype, java.util.function.Function<Target, T> builder) {
        var engine = pytorch(threads);
        Device d = device(device);
        ai.djl.ndarray.types.DataType dt = computeType(dtype, d);
        NDManager m = engine.newBaseManager(d);
        boolean grad = gradMode(false);
        try {
            return builder.apply(new Target(m, d, dt, dt == ai.djl.ndarray.types.DataType.FLOAT16 ? "fp16" : null));
        } catch (RuntimeException e) {
            m.close();
            throw e;
        } finally {
            gradMode(grad);
        }
    }

    /** Bytes this process may reasonably use for activations on the device (half of what is free). */
    public static long availableMemory(Device device) {
        if (device.isGpu()) {
            try {
                var mu = ai.djl.util.cuda.CudaUtils.getGpuMemory(device);
                return Math.max(0, (mu.getMax() - mu.getCommitted()) / 2);
            } catch (RuntimeException | LinkageError e) {
                return 2L << 30;
            }
        }
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemAvailable:")) {
                    return Long.parseLong(line.replaceAll("\\D+", "")) * 1024 / 2;
                }
            }
        } catch (Exception ignored) {
            // not Linux: fall through
        }
        return Runtime.getRuntime().maxMemory() / 2;
    }
}
