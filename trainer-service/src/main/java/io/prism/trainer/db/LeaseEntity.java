package io.prism.trainer.db;

import io.micronaut.data.annotation.Id;
import io.micronaut.data.annotation.MappedEntity;
import java.time.Instant;

/** A named lease: who holds it until when. */
@MappedEntity("leases")
public record LeaseEntity(@Id String name, String owner, Instant expiresAt) {}
