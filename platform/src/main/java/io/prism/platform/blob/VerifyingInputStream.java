package io.prism.platform.blob;

import io.prism.platform.contracts.BlobRef;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * Hashes what passes through and, at end of stream, fails if size or digest differ from the reference — so no
 * caller can finish reading a corrupted blob without noticing. Shared by every {@link BlobStore}.
 */
public final class VerifyingInputStream extends FilterInputStream {
    private final BlobRef expected;
    private final MessageDigest digest = Sha256.newDigest();
    private long count;
    private boolean verified;

    public VerifyingInputStream(InputStream in, BlobRef expected) {
        super(in);
        this.expected = expected;
    }

    @Override
    public int read() throws IOException {
        int b = super.read();
        if (b < 0) {
            verify();
        } else {
            digest.update((byte) b);
            count++;
        }
        return b;
    }

    @Override
    public int read(byte[] buf, int off, int len) throws IOException {
        int n = super.read(buf, off, len);
        if (n < 0) {
            verify();
        } else {
            digest.update(buf, off, n);
            count += n;
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        // Skipping would bypass the digest: read and discard instead.
        byte[] scratch = new byte[8192];
        long left = n;
        while (left > 0) {
            int r = read(scratch, 0, (int) Math.min(scratch.length, left));
            if (r < 0) break;
            left -= r;
        }
        return n - left;
    }

    @Override
    public boolean markSupported() {
        return false;
    }

    private void verify() throws IOException {
        if (verified) return;
        verified = true;
        String actual = HexFormat.of().formatHex(digest.digest());
        if (count != expected.size() || !actual.equals(expected.sha256())) {
            throw new BlobCorruptedException("blob " + expected.sha256() + " is corrupted: read " + count
                    + " bytes hashing to " + actual + ", expected " + expected.size() + " bytes");
        }
    }
}
