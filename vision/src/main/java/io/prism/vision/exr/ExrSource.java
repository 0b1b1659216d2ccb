package io.prism.vision.exr;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;

/** Random-access bytes of a file being decoded: a byte array or a (seekable) channel. */
abstract class ExrSource implements Closeable {
    abstract long size() throws IOException;

    /** Reads exactly {@code len} bytes at {@code pos}, or throws {@link EOFException}. */
    abstract void read(long pos, byte[] dst, int off, int len) throws IOException;

    @Override
    public void close() throws IOException {
    }

    static ExrSource of(byte[] data) {
        return new ExrSource() {
            @Override
            long size() {
                return data.length;
            }

            @Override
            void read(long pos, byte[] dst, int off, int len) throws IOException {
                if (pos < 0 || pos + len > data.length) throw new EOFException("read past the end of the data");
                System.arraycopy(data, (int) pos, dst, off, len);
            }
        };
    }

    static ExrSource of(SeekableByteChannel ch) {
        return new ExrSource() {
            @Override
            long size() throws IOException {
                return ch.size();
            }

            @Override
            void read(long pos, byte[] dst, int off, int len) throws IOException {
                ByteBuffer b = ByteBuffer.wrap(dst, off, len);
                if (ch instanceof FileChannel fc) {
                    // positional reads: safe from several threads
                    while (b.hasRemaining()) {
                        int n = fc.read(b, pos + b.position() - off);
                        if (n < 0) throw new EOFException("read past the end of the file");
                    }
                } else {
                    synchronized (ch) {
                        ch.position(pos);
                        while (b.hasRemaining()) {
                            if (ch.read(b) < 0) throw new EOFException("read past the end of the file");
                        }
                    }
                }
            }
        };
    }
}
