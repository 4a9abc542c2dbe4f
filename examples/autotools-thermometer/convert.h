#pragma once

/* Degrees Celsius for `fahrenheit`, as the service prints them. */
int celsius(int fahrenheit);
