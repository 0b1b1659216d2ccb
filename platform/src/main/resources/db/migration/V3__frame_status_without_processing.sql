-- Nothing ever wrote 'processing': a frame is submitted until its results are written (processed) or it is
-- dead-lettered (failed). The check now allows only the states FrameStatus names.
ALTER TABLE frames DROP CONSTRAINT frames_status_check;
ALTER TABLE frames ADD CONSTRAINT frames_status_check
    CHECK (status IN ('submitted', 'processed', 'failed', 'superseded'));
