cbRun[cbT = Timing[AbsoluteTiming[cbR = {PolynomialLCM[cbP[0, 0], cbP[1, 0]], PolynomialLCM[cbP[0, 1], cbP[1, 1]]};]], Print["@@T ", cbNum[cbT[[2, 1]]], " ", cbNum[cbT[[1]]]]]; cbR = Null
cbRun[cbT = Timing[AbsoluteTiming[Do[cbR = {PolynomialLCM[cbP[0, 0], cbP[1, 0]], PolynomialLCM[cbP[0, 1], cbP[1, 1]]}, {3}];]], Print["@@T ", cbNum[cbT[[2, 1]]], " ", cbNum[cbT[[1]]]]]; cbR = Null
cbRun[cbV = PolynomialLCM[cbP[0, 0], cbP[1, 0]], Print["@@P ", cbTerms[cbV, cbG[2]]]]
cbRun[cbV = PolynomialLCM[cbP[0, 1], cbP[1, 1]], Print["@@P ", cbTerms[cbV, cbG[2]]]]
