package io.prism.blob.s3;

import io.prism.platform.blob.BlobStore;
import io.prism.platform.config.Env;
import io.prism.platform.service.BlobStoreProvider;
import java.io.IOException;

/** {@code PRISM_BLOB_STORE=s3}: found by {@code ServiceContext.openBlobStore} through {@link java.util.ServiceLoader}. */
public final class S3BlobStoreProvider implements BlobStoreProvider {
    @Override
    public String kind() {
        return "s3";
    }

    @Override
    public BlobStore open(Env env) throws IOException {
        return S3BlobStore.open(S3Config.from(env));
    }
}
