package io.prism.vision.exr;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;
import java.util.zip.Inflater;

/**
 * DWAA (32 lines per chunk) and DWAB (256), decoding only: DreamWorks Animation's codec, what Nuke and many studios
 * write for comp and review. Each channel is classified by its name's last component (after the last '.') and type:
 * <ul>
 * <li><b>lossy DCT</b> (R, G, B, Y, RY, BY, HALF or FLOAT): 8×8 DCT coefficients, AC values run-length coded then
 * static Huffman (or zlib), DC values zlib with the ZIP predictor; an R,G,B triple of one layer is stored as
 * Y'CbCr (see {@link DwaLossyDct});</li>
 * <li><b>RLE</b> (A): bytes split into planes (all low bytes, then high...), run-length coded, then zlib;</li>
 * <li><b>unknown</b> (everything else, UINT included): the plain samples, zlib.</li>
 * </ul>
 * Chunk layout: eleven little-endian int64 (version, unknown raw/packed size, AC/DC/RLE packed sizes, RLE
 * intermediate and raw sizes, AC and DC value counts, AC method), then (version 2) the classification rules the
 * writer used, then the unknown, AC, DC and RLE sections. Rules come from the chunk, so files from writers with
 * other naming conventions decode too; versions 0 and 1 use OpenEXR's fixed legacy rules. FLOAT channels coded as
 * lossy DCT come back as halves widened to float, as libOpenEXR returns them.
 */
final class DwaCodec extends ChunkCodec {
    private static final int HEADER_BYTES = 11 * 8;
    private static final int UNKNOWN = 0, LOSSY_DCT = 1, RLE = 2;
    private static final int STATIC_HUFFMAN = 0, DEFLATE = 1;

    /** A classification rule: channels whose suffix and type match are coded with {@code scheme}. */
    private record Rule(String suffix, int scheme, PixelType type, int cscIndex, boolean caseInsensitive) {
        boolean matches(String channelSuffix, PixelType t) {
            if (t != type) return false;
            return caseInsensitive ? channelSuffix.toLowerCase(java.util.Locale.ROOT).equals(suffix) : channelSuffix.equals(suffix);
        }
    }

    /** Rules for chunks of version 0 and 1, which do not carry their own. */
    private static final List<Rule> LEGACY_RULES = legacyRules();

    private static List<Rule> legacyRules() {
        List<Rule> r = new ArrayList<>();
        String[][] csc = {{"r", "0"}, {"red", "0"}, {"g", "1"}, {"grn", "1"}, {"green", "1"}, {"b", "2"}, {"blu", "2"}, {"blue", "2"}};
        for (String[] s : csc) {
            for (PixelType t : List.of(PixelType.HALF, PixelType.FLOAT)) r.add(new Rule(s[0], LOSSY_DCT, t, Integer.parseInt(s[1]), true));
        }
        for (String s : List.of("y", "by", "ry")) {
            for (PixelType t : List.of(PixelType.HALF, PixelType.FLOAT)) r.add(new Rule(s, LOSSY_DCT, t, -1, true));
        }
        for (PixelType t : List.of(PixelType.UINT, PixelType.HALF, PixelType.FLOAT)) r.add(new Rule("a", RLE, t, -1, true));
        return List.copyOf(r);
    }

    private final Inflater inflater = new Inflater();
    private Huffman huffman;
    private byte[] bytes = new byte[0];
    private byte[] dcBytes = new byte[0];
    private byte[] unknown = new byte[0];
    private byte[] rlePacked = new byte[0];
    private byte[] rleRaw = new byte[0];
    private short[] ac = new short[0];
    private short[] dc = new short[0];

    @Override
    int compress(byte[] raw, int len, Block block) {
        throw new UnsupportedOperationException("Prism does not write DWAA/DWAB");
    }

    @Override
    void decompress(byte[] src, int off, int len, Block b, byte[] dst, int rawLen) {
        if (len < HEADER_BYTES) throw new CorruptDataException("DWA chunk shorter than its " + HEADER_BYTES + "-byte header");
        long[] h = new long[11];
        for (int i = 0; i < 11; i++) {
            h[i] = ExrReader.getLong(src, off + 8 * i);
            if (h[i] < 0) throw new CorruptDataException("DWA chunk header holds a negative size");
        }
        long version = h[0], unknownRaw = h[1], unknownPacked = h[2], acPacked = h[3], dcPacked = h[4];
        long rlePackedSize = h[5], rleMid = h[6], rleRawSize = h[7], acCount = h[8], dcCount = h[9], acMethod = h[10];
        if (version > 2) throw new CorruptDataException("unknown DWA data version " + version);
        int end = off + len;
        int p = off + HEADER_BYTES;
        List<Rule> rules = LEGACY_RULES;
        if (version == 2) {
            if (p + 2 > end) throw new CorruptDataException("DWA chunk ends before its channel rules");
            int ruleSize = (src[p] & 0xff) | (src[p + 1] & 0xff) << 8;
            if (ruleSize < 2 || p + ruleSize > end) throw new CorruptDataException("DWA channel rules of " + ruleSize + " bytes do not fit the chunk");
            rules = readRules(src, p + 2, p + ruleSize);
            p += ruleSize;
        }
        for (long s : new long[] {unknownPacked, acPacked, dcPacked, rlePackedSize}) {
            if (s > end - p) throw new CorruptDataException("DWA sections are larger than the chunk");
        }
        if (unknownPacked + acPacked + dcPacked + rlePackedSize > end - p) {
            throw new CorruptDataException("DWA sections are larger than the chunk");
        }

        // classify the channels; R,G,B triples of one layer (same sampling) become Y'CbCr sets, ordered by layer name
        ExrChannel[] ch = b.channels();
        int nc = ch.length;
        int[] scheme = new int[nc];
        TreeMap<byte[], int[]> layers = new TreeMap<>(Arrays::compareUnsigned);
        for (int c = 0; c < nc; c++) {
            String name = ch[c].name();
            int dot = name.lastIndexOf('.');
            String suffix = name.substring(dot + 1);
            int[] set = layers.computeIfAbsent((dot < 0 ? "" : name.substring(0, dot)).getBytes(StandardCharsets.UTF_8),
                    k -> new int[] {-1, -1, -1});
            for (Rule r : rules) {
                if (r.matches(suffix, ch[c].type())) {
                    scheme[c] = r.scheme();
                    if (r.cscIndex() >= 0) set[r.cscIndex()] = c;
                }
            }
            if (scheme[c] == LOSSY_DCT && ch[c].type() == PixelType.UINT) {
                throw new CorruptDataException("DWA rules code UINT channel " + name + " as lossy DCT");
            }
        }
        List<int[]> cscSets = new ArrayList<>();
        for (int[] set : layers.values()) {
            if (set[0] < 0 || set[1] < 0 || set[2] < 0) continue;
            ExrChannel r = ch[set[0]], g = ch[set[1]], bl = ch[set[2]];
            if (r.xSampling() != g.xSampling() || r.xSampling() != bl.xSampling()
                    || r.ySampling() != g.ySampling() || r.ySampling() != bl.ySampling()) continue;
            for (int c : set) {
                if (scheme[c] != LOSSY_DCT) throw new CorruptDataException("DWA colour set with a channel that is not lossy DCT");
            }
            cscSets.add(set);
        }

        // where each channel's rows start in the output (lines, then channels, as every chunk)
        int[][] rowStart = new int[nc][];
        for (int c = 0; c < nc; c++) rowStart[c] = new int[b.ny(c)];
        int[] rowsSeen = new int[nc];
        int q = 0;
        for (int y = b.minY(); y <= b.maxY(); y++) {
            for (int c = 0; c < nc; c++) {
                if (!b.sampledRow(c, y)) continue;
                rowStart[c][rowsSeen[c]++] = q;
                q += b.nx(c) * ch[c].type().bytes();
            }
        }
        if (q != rawLen) throw new CorruptDataException("DWA block geometry mismatch");

        long unknownBytes = 0, rleBytes = 0, blocks = 0;
        for (int c = 0; c < nc; c++) {
            long size = (long) b.nx(c) * b.ny(c) * ch[c].type().bytes();
            switch (scheme[c]) {
                case UNKNOWN -> unknownBytes += size;
                case RLE -> rleBytes += size;
                default -> blocks += (long) ((b.nx(c) + 7) / 8) * ((b.ny(c) + 7) / 8);
            }
        }

        // sections: unknown, AC, DC, RLE
        int unknownAt = p;
        int acAt = unknownAt + (int) unknownPacked;
        int dcAt = acAt + (int) acPacked;
        int rleAt = dcAt + (int) dcPacked;
        if (unknownBytes > 0) {
            if (unknownRaw != unknownBytes) {
                throw new CorruptDataException("DWA unknown section holds " + unknownRaw + " bytes, its channels need " + unknownBytes);
            }
            unknown = grow(unknown, (int) unknownBytes);
            ZipCodec.inflate(inflater, src, unknownAt, (int) unknownPacked, unknown, (int) unknownBytes);
        }
        if (blocks > 0) {
            if (acCount > blocks * 63) throw new CorruptDataException("DWA AC count " + acCount + " exceeds 63 per block");
            if (dcCount != blocks) throw new CorruptDataException("DWA DC count " + dcCount + ", expected one per block (" + blocks + ")");
            if (ac.length < acCount) ac = new short[(int) acCount];
            if (acCount > 0) {
                if (acMethod == STATIC_HUFFMAN) {
                    if (huffman == null) huffman = new Huffman();
                    huffman.decompress(src, acAt, (int) acPacked, ac, (int) acCount);
                } else if (acMethod == DEFLATE) {
                    bytes = grow(bytes, (int) acCount * 2);
                    ZipCodec.inflate(inflater, src, acAt, (int) acPacked, bytes, (int) acCount * 2);
                    for (int i = 0; i < acCount; i++) ac[i] = (short) ((bytes[2 * i] & 0xff) | (bytes[2 * i + 1] & 0xff) << 8);
                } else {
                    throw new CorruptDataException("unknown DWA AC compression " + acMethod);
                }
            }
            // DC: zlib, then the ZIP predictor, then little-endian 16-bit words
            int dcLen = (int) dcCount * 2;
            bytes = grow(bytes, dcLen);
            dcBytes = grow(dcBytes, dcLen);
            ZipCodec.inflate(inflater, src, dcAt, (int) dcPacked, bytes, dcLen);
            Predictor.decode(bytes, dcLen, dcBytes);
            if (dc.length < dcCount) dc = new short[(int) dcCount];
            for (int i = 0; i < dcCount; i++) dc[i] = (short) ((dcBytes[2 * i] & 0xff) | (dcBytes[2 * i + 1] & 0xff) << 8);
        }
        if (rleBytes > 0) {
            if (rleRawSize != rleBytes) {
                throw new CorruptDataException("DWA RLE section holds " + rleRawSize + " bytes, its channels need " + rleBytes);
            }
            if (rleMid > 2 * rleBytes + 2) throw new CorruptDataException("DWA RLE section claims " + rleMid + " run-length bytes");
            rlePacked = grow(rlePacked, (int) rleMid);
            ZipCodec.inflate(inflater, src, rleAt, (int) rlePackedSize, rlePacked, (int) rleMid);
            rleRaw = grow(rleRaw, (int) rleBytes);
            RleCodec.expand(rlePacked, 0, (int) rleMid, rleRaw, (int) rleBytes);
        }

        // decode: colour sets first, then the other channels in channel order
        DwaLossyDct.Streams streams = new DwaLossyDct.Streams(ac, (int) Math.min(acCount, ac.length), dc, (int) dcCount);
        boolean[] done = new boolean[nc];
        for (int[] set : cscSets) {
            DwaLossyDct.Target[] t = new DwaLossyDct.Target[3];
            for (int i = 0; i < 3; i++) {
                t[i] = new DwaLossyDct.Target(rowStart[set[i]], ch[set[i]].type());
                done[set[i]] = true;
            }
            DwaLossyDct.decode(streams, t, b.nx(set[0]), b.ny(set[0]), true, dst);
        }
        int unknownPos = 0, rlePos = 0;
        for (int c = 0; c < nc; c++) {
            if (done[c]) continue;
            int nx = b.nx(c), ny = b.ny(c), size = ch[c].type().bytes();
            switch (scheme[c]) {
                case LOSSY_DCT -> DwaLossyDct.decode(streams, new DwaLossyDct.Target[] {new DwaLossyDct.Target(rowStart[c], ch[c].type())},
                        nx, ny, !ch[c].pLinear(), dst);
                case RLE -> {
                    // byte planes: all first bytes of the channel's samples, then all second bytes...
                    int plane = nx * ny;
                    for (int y = 0; y < ny; y++) {
                        int o = rowStart[c][y];
                        for (int x = 0; x < nx; x++) {
                            int k = rlePos + y * nx + x;
                            for (int i = 0; i < size; i++) dst[o++] = rleRaw[k + i * plane];
                        }
                    }
                    rlePos += plane * size;
                }
                default -> {
                    int row = nx * size;
                    for (int y = 0; y < ny; y++) {
                        System.arraycopy(unknown, unknownPos, dst, rowStart[c][y], row);
                        unknownPos += row;
                    }
                }
            }
        }
    }

    /** Parses the rules of a version-2 chunk: suffix\0, a byte packing colour index + 1, scheme and case flag, the type. */
    private static List<Rule> readRules(byte[] src, int p, int end) {
        List<Rule> rules = new ArrayList<>();
        while (p < end) {
            int nul = p;
            while (nul < end && src[nul] != 0) nul++;
            if (nul + 3 > end) throw new CorruptDataException("truncated DWA channel rule");
            String suffix = new String(src, p, nul - p, StandardCharsets.UTF_8);
            int flags = src[nul + 1];
            int csc = (flags >> 4) - 1;
            int scheme = (flags >> 2) & 3;
            PixelType type = PixelType.ofCode(src[nul + 2]);
            if (csc < -1 || csc >= 3 || scheme > RLE || type == null) throw new CorruptDataException("corrupt DWA channel rule");
            rules.add(new Rule(suffix, scheme, type, csc, (flags & 1) != 0));
            p = nul + 3;
        }
        return rules;
    }

    private static byte[] grow(byte[] a, int n) {
        return a.length >= n ? a : new byte[n];
    }

    @Override
    public void close() {
        inflater.end();
    }
}
