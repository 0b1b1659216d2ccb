package io.prism.vision.exr;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * The 16-bit canonical Huffman code PIZ uses. Symbols are 16-bit words plus one extra "run" symbol (the largest
 * symbol index in the table) that means "repeat the previous word n more times", n given in the next 8 bits.
 * <p>
 * Stream layout: five little-endian uint32 (smallest symbol, largest symbol = run symbol, table length in bytes,
 * number of data bits, 0), the code table as 6-bit code lengths with zero runs folded (59..62 = 2..5 zeros,
 * 63 + 8 bits = 6..261 zeros), then the code bits, most significant bit first. Codes are canonical: longer codes
 * take the numerically lower values, equal lengths ascend with the symbol.
 */
final class Huffman {
    static final int ENC_SIZE = 65537;
    private static final int SHORT_ZEROCODE_RUN = 59;
    private static final int LONG_ZEROCODE_RUN = 63;
    private static final int SHORTEST_LONG_RUN = 2 + LONG_ZEROCODE_RUN - SHORT_ZEROCODE_RUN;
    private static final int LONGEST_LONG_RUN = 255 + SHORTEST_LONG_RUN;
    /** Longest code the decoder accepts; real encoders never get near it (depth grows with log of the count). */
    private static final int MAX_CODE = 57;
    private static final int TABLE_BITS = 14;

    private final long[] freq = new long[ENC_SIZE];
    private final int[] lengths = new int[ENC_SIZE];
    private final long[] codes = new long[ENC_SIZE];
    private final int[] table = new int[1 << TABLE_BITS];
    /** Symbols with a code in the chunk being decoded, ascending. */
    private final int[] present = new int[ENC_SIZE];
    /** Second-level tables for codes of TABLE_BITS + 1 .. TABLE_BITS + SUB_BITS bits, one per 14-bit prefix. */
    private static final int SUB_BITS = 10;
    private static final int SUB_OFFSET_MASK = (1 << 20) - 1;
    private final int[] subBitsOf = new int[1 << TABLE_BITS];
    private int[] sub = new int[1 << 12];
    private static final VarHandle BIG_ENDIAN_LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    // ---------------------------------------------------------------- encoding

    /** Compresses {@code n} words; returns the number of bytes written to {@code out} starting at {@code off}. */
    int compress(short[] words, int n, ByteSink out) {
        if (n == 0) return 0;
        int start = out.size();
        Arrays.fill(freq, 0);
        for (int i = 0; i < n; i++) freq[words[i] & 0xffff]++;
        int im = 0;
        while (freq[im] == 0) im++;
        int iM = 65535;
        while (freq[iM] == 0) iM--;
        int rlc = iM + 1;
        freq[rlc] = 1;
        buildLengths(im, rlc);
        canonicalCodes(lengths, codes, im, rlc);

        int headerAt = out.size();
        for (int i = 0; i < 20; i++) out.put(0);
        // code table
        BitWriter bw = new BitWriter(out);
        for (int s = im; s <= rlc; s++) {
            int l = lengths[s];
            if (l == 0) {
                int zerun = 1;
                while (s < rlc && zerun < LONGEST_LONG_RUN && lengths[s + 1] == 0) {
                    s++;
                    zerun++;
                }
                if (zerun >= 2) {
                    if (zerun >= SHORTEST_LONG_RUN) {
                        bw.bits(6, LONG_ZEROCODE_RUN);
                        bw.bits(8, zerun - SHORTEST_LONG_RUN);
                    } else {
                        bw.bits(6, SHORT_ZEROCODE_RUN + zerun - 2);
                    }
                    continue;
                }
            }
            bw.bits(6, l);
        }
        bw.flush();
        int tableLength = out.size() - headerAt - 20;
        // data
        bw = new BitWriter(out);
        int s = words[0] & 0xffff;
        int run = 0;
        for (int i = 1; i < n; i++) {
            int w = words[i] & 0xffff;
            if (w == s && run < 255) {
                run++;
            } else {
                send(bw, s, run, rlc);
                run = 0;
            }
            s = w;
        }
        send(bw, s, run, rlc);
        long nBits = bw.flush();
        if (nBits > Integer.MAX_VALUE) throw new IllegalStateException("Huffman data too long");
        out.putIntAt(headerAt, im);
        out.putIntAt(headerAt + 4, rlc);
        out.putIntAt(headerAt + 8, tableLength);
        out.putIntAt(headerAt + 12, (int) nBits);
        out.putIntAt(headerAt + 16, 0);
        return out.size() - start;
    }

    /** Emits {@code run + 1} copies of symbol {@code s}, as a run code when that is shorter. */
    private void send(BitWriter bw, int s, int run, int rlc) {
        int ls = lengths[s];
        if (ls + lengths[rlc] + 8 < ls * run) {
            bw.bits(ls, codes[s]);
            bw.bits(lengths[rlc], codes[rlc]);
            bw.bits(8, run);
        } else {
            for (int k = 0; k <= run; k++) bw.bits(ls, codes[s]);
        }
    }

    /**
     * Huffman code lengths for the symbols im..iM with non-zero frequency: leaves sorted by weight, merged nodes
     * queued in creation order (their weights never decrease), so each step takes the two lightest from the heads.
     */
    private void buildLengths(int im, int iM) {
        Arrays.fill(lengths, 0);
        int n = 0;
        for (int s = im; s <= iM; s++) if (freq[s] > 0) n++;
        long[][] leaves = new long[n][];
        int k = 0;
        for (int s = im; s <= iM; s++) if (freq[s] > 0) leaves[k++] = new long[] {freq[s], s};
        Arrays.sort(leaves, (a, b) -> Long.compare(a[0], b[0]));
        long[] w = new long[2 * n - 1];
        int[] parent = new int[2 * n - 1];
        for (int i = 0; i < n; i++) w[i] = leaves[i][0];
        int leaf = 0;
        int head = n;
        int tail = n;
        for (int m = 0; m < n - 1; m++) {
            int a = leaf < n && (head == tail || w[leaf] <= w[head]) ? leaf++ : head++;
            int b = leaf < n && (head == tail || w[leaf] <= w[head]) ? leaf++ : head++;
            w[tail] = w[a] + w[b];
            parent[a] = tail;
            parent[b] = tail;
            tail++;
        }
        int[] depth = new int[2 * n - 1];
        for (int i = tail - 2; i >= 0; i--) depth[i] = depth[parent[i]] + 1; // parents come after their children
        for (int i = 0; i < n; i++) {
            if (depth[i] > MAX_CODE) throw new IllegalStateException("Huffman code longer than " + MAX_CODE + " bits");
            lengths[(int) leaves[i][1]] = depth[i];
        }
    }

    /** Canonical code values for the symbols from..to (0 where the length is 0). Returns false if lengths overflow. */
    static boolean canonicalCodes(int[] lengths, long[] codes, int from, int to) {
        int[] symbols = new int[to - from + 1];
        int n = 0;
        for (int s = from; s <= to; s++) {
            codes[s] = 0;
            if (lengths[s] > 0) symbols[n++] = s;
        }
        return canonicalCodes(lengths, codes, symbols, n);
    }

    /**
     * Canonical code values for the given symbols (ascending, all with a length > 0; shared by encoder and decoder).
     * Returns false if lengths overflow.
     */
    static boolean canonicalCodes(int[] lengths, long[] codes, int[] symbols, int n) {
        long[] count = new long[59];
        for (int i = 0; i < n; i++) count[lengths[symbols[i]]]++;
        long c = 0;
        long[] start = new long[59];
        for (int i = 58; i > 0; i--) {
            long nc = (c + count[i]) >> 1;
            start[i] = c;
            c = nc;
        }
        boolean ok = true;
        for (int i = 0; i < n; i++) {
            int s = symbols[i];
            int l = lengths[s];
            codes[s] = start[l]++;
            if ((codes[s] >>> l) != 0) ok = false;
        }
        return ok;
    }

    // ---------------------------------------------------------------- decoding

    /** Decodes exactly {@code n} words from {@code src[off, off + len)} into {@code dst}. */
    void decompress(byte[] src, int off, int len, short[] dst, int n) {
        if (len < 20) {
            if (n != 0) throw new CorruptDataException("Huffman data shorter than its header");
            return;
        }
        int im = ExrReader.getInt(src, off);
        int iM = ExrReader.getInt(src, off + 4);
        int nBits = ExrReader.getInt(src, off + 12);
        if (im < 0 || im >= ENC_SIZE || iM < 0 || iM >= ENC_SIZE || im > iM) {
            throw new CorruptDataException("invalid Huffman table range " + im + ".." + iM);
        }
        if (nBits < 0 || (nBits + 7L) / 8 > len - 20) {
            throw new CorruptDataException("Huffman data claims " + nBits + " bits, the chunk holds " + (len - 20) + " bytes");
        }
        int end = off + len;
        // code table; everything after reads lengths[] only for the symbols listed in `present` (ascending), so a
        // chunk's set-up cost follows the number of symbols it uses, not the width of its range
        int np = 0;
        BitReader br = new BitReader(src, off + 20, end, (long) (end - off - 20) * 8);
        for (int s = im; s <= iM; s++) {
            int l = (int) br.take(6);
            if (l == LONG_ZEROCODE_RUN || l >= SHORT_ZEROCODE_RUN) {
                int zerun = l == LONG_ZEROCODE_RUN ? (int) br.take(8) + SHORTEST_LONG_RUN : l - SHORT_ZEROCODE_RUN + 2;
                if (s + zerun > iM + 1) throw new CorruptDataException("Huffman code table is longer than its range");
                s += zerun - 1;
            } else if (l > 0) {
                if (l > MAX_CODE) throw new CorruptDataException("Huffman code of " + l + " bits");
                lengths[s] = l;
                present[np++] = s;
            }
        }
        int dataStart = br.bytePosAfter();
        if ((nBits + 7L) / 8 > end - dataStart) {
            throw new CorruptDataException("Huffman data of " + nBits + " bits does not fit after its code table");
        }
        if (!canonicalCodes(lengths, codes, present, np)) throw new CorruptDataException("invalid Huffman code table");

        // lookup table for codes up to TABLE_BITS long; entry = symbol << 6 | length
        Arrays.fill(table, 0);
        int maxLen = 0;
        int[] countByLen = new int[59];
        for (int i = 0; i < np; i++) {
            int s = present[i];
            int l = lengths[s];
            countByLen[l]++;
            maxLen = Math.max(maxLen, l);
            if (l <= TABLE_BITS) {
                int first = (int) (codes[s] << (TABLE_BITS - l));
                int cnt = 1 << (TABLE_BITS - l);
                for (int k = 0; k < cnt; k++) {
                    if (table[first + k] != 0) throw new CorruptDataException("overlapping Huffman codes");
                    table[first + k] = s << 6 | l;
                }
            }
        }
        // long codes: per length, the first code value and the symbols in canonical (ascending) order. Longer codes
        // take lower values, so left-aligned in 64 bits each length's codes lie above all longer ones: the length of
        // the next code is the shortest one whose left-aligned first code (limit) the bit window reaches.
        long[] firstCode = new long[59];
        int[][] symbolsByLen = new int[59][];
        int longLengths = 0;
        for (int l = TABLE_BITS + 1; l <= maxLen; l++) {
            if (countByLen[l] > 0) {
                symbolsByLen[l] = new int[countByLen[l]];
                longLengths++;
            }
        }
        int[] filled = new int[59];
        for (int i = 0; i < np; i++) {
            int s = present[i];
            int l = lengths[s];
            if (l > TABLE_BITS) {
                if (filled[l] == 0) firstCode[l] = codes[s];
                symbolsByLen[l][filled[l]++] = s;
            }
        }
        int[] longLen = new int[longLengths];
        long[] longLimit = new long[longLengths]; // biased by Long.MIN_VALUE for unsigned comparison
        for (int l = TABLE_BITS + 1, j = 0; l <= maxLen; l++) {
            if (symbolsByLen[l] == null) continue;
            longLen[j] = l;
            longLimit[j++] = (firstCode[l] << (64 - l)) ^ Long.MIN_VALUE;
        }
        if (longLengths > 0) buildSubTables(np);

        // The hot loop keeps the bit buffer in locals: acc holds the next unread bits left-aligned (the next bit is bit
        // 63), `avail` of them valid; `left` counts the stream's bits not yet consumed (the last byte may be padding).
        // While 8 bytes remain, a refill ORs in a big-endian long and keeps whole bytes of it (bits beyond them are
        // the true next bits, so OR-ing them again later changes nothing). After any refill avail >= 32, or every
        // remaining byte is in acc; so a code of l <= left bits is always entirely in acc.
        int rlc = iM;
        int pos = dataStart;
        long acc = 0;
        int avail = 0;
        int left = nBits;
        int o = 0;
        final int shift = 64 - TABLE_BITS;
        final int bulkEnd = end - 8;
        final int[] subTable = sub;
        while (left > 0) {
            if (avail < 32) {
                if (pos <= bulkEnd) {
                    acc |= (long) BIG_ENDIAN_LONG.get(src, pos) >>> avail;
                    int k = (63 - avail) >>> 3;
                    pos += k;
                    avail += k << 3;
                } else {
                    while (avail <= 56 && pos < end) {
                        acc |= (long) (src[pos++] & 0xff) << (56 - avail);
                        avail += 8;
                    }
                }
            }
            int e = table[(int) (acc >>> shift)];
            int sym;
            int l;
            if (e > 0) {
                l = e & 63;
                sym = e >>> 6;
            } else if (e < 0) {
                // a long code: the second-level table of its 14-bit prefix, indexed by the next `bits` bits
                int bits = e & 31;
                int e2 = subTable[((e >>> 5) & SUB_OFFSET_MASK) + (int) ((acc << TABLE_BITS) >>> (64 - bits))];
                if (e2 == 0) throw new CorruptDataException("invalid Huffman code");
                l = e2 & 63;
                sym = e2 >>> 6;
            } else {
                while (avail <= 56 && pos < end) {
                    acc |= (long) (src[pos++] & 0xff) << (56 - avail);
                    avail += 8;
                }
                long window = acc ^ Long.MIN_VALUE;
                int j = 0;
                while (j < longLengths && window < longLimit[j]) j++;
                if (j == longLengths) throw new CorruptDataException("invalid Huffman code");
                l = longLen[j];
                long v = (acc >>> (64 - l)) - firstCode[l];
                if (v >= symbolsByLen[l].length) throw new CorruptDataException("invalid Huffman code");
                sym = symbolsByLen[l][(int) v];
            }
            if (l > left) throw new CorruptDataException("Huffman code runs past the end of the data");
            acc <<= l;
            avail -= l;
            left -= l;
            if (sym == rlc) {
                if (left < 8) throw new CorruptDataException("Huffman run length runs past the end of the data");
                if (avail < 8) {
                    while (avail <= 56 && pos < end) {
                        acc |= (long) (src[pos++] & 0xff) << (56 - avail);
                        avail += 8;
                    }
                }
                int cs = (int) (acc >>> 56);
                acc <<= 8;
                avail -= 8;
                left -= 8;
                if (o == 0) throw new CorruptDataException("Huffman run without a preceding value");
                if (o + cs > n) throw new CorruptDataException("Huffman data decodes to more than " + n + " values");
                Arrays.fill(dst, o, o + cs, dst[o - 1]);
                o += cs;
            } else {
                if (o >= n) throw new CorruptDataException("Huffman data decodes to more than " + n + " values");
                dst[o++] = (short) sym;
            }
        }
        if (o != n) throw new CorruptDataException("Huffman data decodes to " + o + " values, expected " + n);
    }

    /**
     * For each 14-bit prefix that starts only long codes, all of them at most TABLE_BITS + SUB_BITS bits, a second
     * table indexed by the bits after the prefix; its main-table entry becomes
     * {@code Integer.MIN_VALUE | offset << 5 | bits}. Other prefixes keep entry 0 and go the per-length way.
     */
    private void buildSubTables(int np) {
        Arrays.fill(subBitsOf, 0);
        for (int i = 0; i < np; i++) {
            int s = present[i];
            int l = lengths[s];
            if (l <= TABLE_BITS) continue;
            int prefix = (int) (codes[s] >>> (l - TABLE_BITS));
            if (table[prefix] != 0) continue; // overlaps a short code: corrupt, the short code wins as it always did
            int extra = l - TABLE_BITS;
            if (extra > SUB_BITS || subBitsOf[prefix] < 0) subBitsOf[prefix] = -1;
            else subBitsOf[prefix] = Math.max(subBitsOf[prefix], extra);
        }
        int size = 0;
        for (int prefix = 0; prefix < subBitsOf.length; prefix++) {
            int bits = subBitsOf[prefix];
            if (bits <= 0) continue;
            if (size + (1 << bits) > SUB_OFFSET_MASK) {
                subBitsOf[prefix] = -1;
                continue;
            }
            table[prefix] = Integer.MIN_VALUE | size << 5 | bits;
            size += 1 << bits;
        }
        if (sub.length < size) sub = new int[size];
        Arrays.fill(sub, 0, size, 0);
        for (int i = 0; i < np; i++) {
            int s = present[i];
            int l = lengths[s];
            if (l <= TABLE_BITS) continue;
            int prefix = (int) (codes[s] >>> (l - TABLE_BITS));
            int e = table[prefix];
            if (e >= 0 || subBitsOf[prefix] <= 0) continue;
            int bits = e & 31;
            int extra = l - TABLE_BITS;
            int rest = (int) (codes[s] & ((1L << extra) - 1));
            int first = ((e >>> 5) & SUB_OFFSET_MASK) + (rest << (bits - extra));
            for (int k = 0, cnt = 1 << (bits - extra); k < cnt; k++) {
                if (sub[first + k] != 0) throw new CorruptDataException("overlapping Huffman codes");
                sub[first + k] = s << 6 | l;
            }
        }
    }

    /** MSB-first bit reader over at most {@code bits} bits. */
    static final class BitReader {
        private final byte[] b;
        private int pos;
        private final int end;
        private long acc;
        private int avail; // bits in acc (the low ones)
        private long left; // bits of the stream not yet consumed

        BitReader(byte[] b, int pos, int end, long bits) {
            this.b = b;
            this.pos = pos;
            this.end = end;
            this.left = Math.min(bits, (long) (end - pos) * 8);
        }

        long left() { return left; }

        private void refill() {
            while (avail <= 56 && pos < end) {
                acc = (acc << 8) | (b[pos++] & 0xff);
                avail += 8;
            }
        }

        /** The next k (<= 57) bits, zero-padded past the end. */
        long peek(int k) {
            if (avail < k) refill();
            long v = avail >= k ? acc >>> (avail - k) : acc << (k - avail);
            return v & ((1L << k) - 1);
        }

        void skip(int k) {
            if (avail < k) refill();
            avail -= k;
            left -= k;
        }

        long take(int k) {
            if (k > left) throw new CorruptDataException("Huffman data ends early");
            long v = peek(k);
            skip(k);
            return v;
        }

        /** Index of the first byte not (even partly) consumed. */
        int bytePosAfter() {
            return pos - avail / 8;
        }
    }

    /** MSB-first bit writer. */
    static final class BitWriter {
        private final ByteSink out;
        private long acc;
        private int lc;
        private long total;

        BitWriter(ByteSink out) {
            this.out = out;
        }

        void bits(int n, long v) {
            if (n > 32) {
                bits(n - 32, v >>> 32);
                n = 32;
            }
            acc = (acc << n) | (v & ((1L << n) - 1));
            lc += n;
            total += n;
            while (lc >= 8) {
                lc -= 8;
                out.put((int) (acc >>> lc));
            }
        }

        /** Pads the last byte with zeros; returns the number of bits written. */
        long flush() {
            if (lc > 0) out.put((int) (acc << (8 - lc)));
            lc = 0;
            return total;
        }
    }

    /** A growable byte buffer. */
    static final class ByteSink {
        byte[] buf = new byte[1024];
        int size;

        void reset() { size = 0; }

        int size() { return size; }

        void put(int v) {
            if (size == buf.length) buf = Arrays.copyOf(buf, buf.length * 2);
            buf[size++] = (byte) v;
        }

        void putShort(int v) {
            put(v);
            put(v >>> 8);
        }

        void putIntAt(int at, int v) {
            buf[at] = (byte) v;
            buf[at + 1] = (byte) (v >>> 8);
            buf[at + 2] = (byte) (v >>> 16);
            buf[at + 3] = (byte) (v >>> 24);
        }

        void put(byte[] src, int off, int len) {
            while (size + len > buf.length) buf = Arrays.copyOf(buf, buf.length * 2);
            System.arraycopy(src, off, buf, size, len);
            size += len;
        }
    }
}
