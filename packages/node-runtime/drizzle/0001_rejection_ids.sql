-- Earlier versions bound every number as a double, so an id given as 9 was stored as the REAL 9.0: store it as given, an integer.
UPDATE `rejections` SET `id` = CAST(`id` AS INTEGER) WHERE typeof(`id`) = 'real' AND `id` = CAST(`id` AS INTEGER) AND abs(`id`) <= 9007199254740991;
