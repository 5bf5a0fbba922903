module ccxcompare

go 1.19
