package io.prism.platform.service;

import io.prism.platform.blob.BlobStore;
import io.prism.platform.config.Env;
import java.io.IOException;

/** A kind of blob store that a module contributes (e.g. S3), found with {@link java.util.ServiceLoader}. */
public interface BlobStoreProvider {
    /** The value of PRISM_BLOB_STORE that selects it. */
    String kind();

    BlobStore open(Env env) throws IOException;
}
