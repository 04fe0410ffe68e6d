-- The span of virkning in which every value of a registration holds (the intersection of all its
-- values' virkning; empty when they share no instant). A reader that wants the values holding at
-- an instant inside it can take the stored registration whole, without looking at each value.
-- Null on registrations written before this column: those are filtered value by value.
ALTER TABLE oio_registrering ADD COLUMN faelles_virkning tstzrange;
